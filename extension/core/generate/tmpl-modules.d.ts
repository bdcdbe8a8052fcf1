// Templates without a language extension of their own (Dockerfile.tmpl), bundled as text by esbuild's
// '.tmpl' loader (scripts/build.mjs).
declare module '*.tmpl' {
  const text: string;
  export default text;
}
