// Files imported `with { type: 'file' }` resolve to a path string (Bun).
declare module '*.css' {
  const path: string
  export default path
}
declare module 'swagger-ui-dist/swagger-ui-bundle.js' {
  const path: string
  export default path
}
declare module '*/public/app.js' {
  const path: string
  export default path
}
// The web UI's modules (public/js/**), imported by bun-embedded.ts.
declare module '../../public/js/*' {
  const path: string
  export default path
}
