// Templates are real files (so Python and YAML tools can check them) that esbuild bundles as text.
declare module '*.py' {
  const text: string;
  export default text;
}
declare module '*.yaml' {
  const text: string;
  export default text;
}
declare module '*.toml' {
  const text: string;
  export default text;
}
