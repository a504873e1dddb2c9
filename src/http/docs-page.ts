/**
 * The Swagger UI page. Our own page instead of @elysiajs/openapi's: that one
 * inlines its start-up script (which a CSP without 'unsafe-inline' blocks)
 * and points Swagger UI at a *relative* document URL, which from
 * `/api/v1/docs` resolves to `/api/v1/api/v1/docs/json` and fails.
 */
export function docsPage(docsPath: string, title: string): string {
  const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`)
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${esc(title)}</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="${docsPath}/assets/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="${docsPath}/assets/swagger-ui-bundle.js"></script>
  <script src="${docsPath}/init.js"></script>
</body>
</html>
`
}

export function docsInitScript(specPath: string): string {
  return `window.ui = SwaggerUIBundle({
  url: new URL(${JSON.stringify(specPath)}, location.origin).href,
  dom_id: '#swagger-ui',
  deepLinking: true,
  persistAuthorization: true,
  tryItOutEnabled: false,
  displayOperationId: true,
  presets: [SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
})
`
}
