// GraphiQL with the explorer plugin, as Strawberry's page sets it up: the query, variables and headers kept in
// the address (q=, variables=, headers=), headers persisted in the browser, requests sent to this page's URL.
"use strict";

const EXAMPLE_QUERY = `# modelreg's GraphiQL: write a query on this side, run it with Ctrl-Enter.
# Mutations need a token: in the Headers tab below, {"Authorization": "Bearer mreg_..."}
# (make run prints one). examples/*.graphql in the repository are ready to paste.
{
  registryStatistics { modelCount versionCount modelsInProduction }
}
`;

const parameters = {};
for (const entry of window.location.search.slice(1).split("&")) {
  const eq = entry.indexOf("=");
  if (eq >= 0) {
    parameters[decodeURIComponent(entry.slice(0, eq))] = decodeURIComponent(entry.slice(eq + 1));
  }
}

function updateURL(data) {
  Object.assign(parameters, data);
  const search = Object.keys(parameters)
    .filter((key) => Boolean(parameters[key]))
    .map((key) => encodeURIComponent(key) + "=" + encodeURIComponent(parameters[key]))
    .join("&");
  history.replaceState(null, null, "?" + search);
}

const fetchURL = window.location.href.split("?")[0];
const defaultHeaders = {};
const csrfToken = Cookies.get("csrftoken");
if (csrfToken) {
  defaultHeaders["x-csrftoken"] = csrfToken;
}
const fetcher = GraphiQL.createFetcher({ url: fetchURL, headers: defaultHeaders });

function GraphiQLWithExplorer() {
  const [query, setQuery] = React.useState(parameters.q || EXAMPLE_QUERY);
  const [variables, setVariables] = React.useState(parameters.variables);
  const [headers, setHeaders] = React.useState(parameters.headers);
  const explorerPlugin = GraphiQLPluginExplorer.explorerPlugin();
  return React.createElement(GraphiQL, {
    fetcher: fetcher,
    defaultEditorToolsVisibility: true,
    plugins: [explorerPlugin],
    query: query,
    variables: variables,
    headers: headers,
    onEditQuery: (value) => { setQuery(value); updateURL({ q: value }); },
    onEditVariables: (value) => { setVariables(value); updateURL({ variables: value }); },
    onEditHeaders: (value) => setHeaders(value),
    inputValueDeprecation: true,
    isHeadersEditorEnabled: true,
    shouldPersistHeaders: true,
  });
}

ReactDOM.createRoot(document.getElementById("graphiql")).render(React.createElement(GraphiQLWithExplorer));
