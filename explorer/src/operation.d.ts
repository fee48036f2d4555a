// A .graphql file, as the build hands it to the code that imports it: one
// named operation, its text exactly as in the file, and the SHA-256 under
// which the trusted-documents manifest holds it.
declare module "*.graphql" {
  const operation: import("./api").Op;
  export default operation;
}
