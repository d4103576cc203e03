// Waiting for the user (Ctrl-C), the kubelet (SIGTERM) or a deadline, whichever comes first.

export function untilStopped(exitAfterMs?: number): Promise<'SIGINT' | 'SIGTERM' | 'timeout'> {
  return new Promise((resolve) => {
    const finish = (reason: 'SIGINT' | 'SIGTERM' | 'timeout') => (): void => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      clearTimeout(timer);
      resolve(reason);
    };
    const onInt = finish('SIGINT');
    const onTerm = finish('SIGTERM');
    process.once('SIGINT', onInt);
    process.once('SIGTERM', onTerm);
    const timer = exitAfterMs === undefined ? undefined : setTimeout(finish('timeout'), exitAfterMs);
  });
}
