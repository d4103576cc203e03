// Kubernetes' name rules, for reporting names no cluster would hold (`../../etc`, spaces,
// `<script>`): such a split is still shown, with an issue, as every other problem is.

/** A Service name or namespace: DNS-1123 label (at most 63 lower-case alphanumerics or '-'). */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** An object name: DNS-1123 subdomain (at most 253 characters, dots allowed). */
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function isDnsLabel(name: string): boolean {
  return DNS_LABEL.test(name);
}

export function isDnsSubdomain(name: string): boolean {
  return DNS_SUBDOMAIN.test(name);
}

/** Why each given name is not one Kubernetes accepts, as issue messages; empty when all are. */
export function nameProblems(names: { readonly namespace: string; readonly name: string; readonly services: readonly string[] }): string[] {
  const problems: string[] = [];
  if (!isDnsLabel(names.namespace)) problems.push(`namespace ${JSON.stringify(names.namespace)} is not a Kubernetes namespace name (DNS-1123 label)`);
  if (!isDnsSubdomain(names.name)) problems.push(`name ${JSON.stringify(names.name)} is not a Kubernetes object name (DNS-1123 subdomain)`);
  for (const service of new Set(names.services)) {
    if (service !== '' && !isDnsLabel(service)) problems.push(`service ${JSON.stringify(service)} is not a Kubernetes Service name (DNS-1123 label)`);
  }
  return problems;
}
