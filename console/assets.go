package console

import (
	"embed"
	"net/http"
	"path"
)

//go:embed assets
var assetFS embed.FS

// assetTypes are the content types of the assets the console ships; a name with another
// extension is not one of them.
var assetTypes = map[string]string{
	".css": "text/css; charset=utf-8",
	".js":  "text/javascript; charset=utf-8",
	".svg": "image/svg+xml",
}

// serveAsset serves a stylesheet, script or icon embedded in the binary. Assets change only
// with the binary, so browsers may keep them for a day.
func serveAsset(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	ctype, ok := assetTypes[path.Ext(name)]
	data, err := assetFS.ReadFile("assets/" + name)
	if !ok || err != nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", "public, max-age=86400")
	w.Write(data)
}
