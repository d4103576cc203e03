// Where GraphQL is served: known to the server before the GraphQL server itself is loaded.
export const GRAPHQL_ENDPOINT = '/graphql';
