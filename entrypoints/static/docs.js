// /docs: Swagger UI over this service's own OpenAPI document. An external file, not an inline
// script, so that the page's Content-Security-Policy can forbid inline scripts.
"use strict";

window.ui = SwaggerUIBundle({
  url: document.body.dataset.openapiUrl,
  dom_id: "#swagger-ui",
  deepLinking: true,
  // No top bar (it would open any URL typed in) and no online validator badge: that badge lives in
  // the StandaloneLayout only, and validatorUrl is off should the layout ever change.
  layout: "BaseLayout",
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
  displayRequestDuration: true,
  defaultModelsExpandDepth: 0,
  tagsSorter: "alpha", // genes, jobs, … rather than the pages first
});
