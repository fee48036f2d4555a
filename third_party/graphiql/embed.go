// Package graphiql embeds the GraphiQL playground's JavaScript and CSS
// (GraphiQL 4.1.2, React 18.2.0, react-dom 18.2.0, @graphiql/plugin-explorer
// 4.0.6; the exact files gqlgen v0.17.98 loads from a CDN), so that the
// playground works without internet access. See README.md; fetch.sh
// re-fetches the files from npm and checks their hashes.
package graphiql

import "embed"

// Paths of the asset files inside FS.
const (
	GraphiQLJS        = "graphiql-4.1.2/graphiql.min.js"
	GraphiQLCSS       = "graphiql-4.1.2/graphiql.min.css"
	ReactJS           = "react-18.2.0/react.production.min.js"
	ReactDOMJS        = "react-dom-18.2.0/react-dom.production.min.js"
	PluginExplorerJS  = "plugin-explorer-4.0.6/index.umd.js"
	PluginExplorerCSS = "plugin-explorer-4.0.6/style.css"
)

// FS holds the asset files above, at those paths.
//
//go:embed graphiql-4.1.2/graphiql.min.js graphiql-4.1.2/graphiql.min.css
//go:embed react-18.2.0/react.production.min.js
//go:embed react-dom-18.2.0/react-dom.production.min.js
//go:embed plugin-explorer-4.0.6/index.umd.js plugin-explorer-4.0.6/style.css
var FS embed.FS
