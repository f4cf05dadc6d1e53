package main

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// copySource is the decoded `source` of a CopyToRemote: a local file or
// directory (FileAsset or FileArchive), or text (StringAsset).
type copySource struct {
	Path string  // local path; a trailing "/" on a directory copies its contents
	Text *string // content of a StringAsset
	Hash string  // the engine's content hash; "" when it did not compute one
}

func (s copySource) String() string {
	if s.Text != nil {
		return "a text asset"
	}
	return "local path " + s.Path
}

// decodeSource decodes `source`. Like upstream 1.2.1, only path-based assets
// and archives and text assets are accepted; remote (URI) assets and asset
// archives are refused at Check.
func decodeSource(props resource.PropertyMap) (src copySource, unknown bool, failures []checkFailure) {
	raw, ok := present(props, "source")
	if !ok {
		return src, false, []checkFailure{{Property: "source", Reason: "missing required property 'source'"}}
	}
	if isUnknown(raw) {
		return src, true, nil
	}
	fail := func(format string, args ...any) []checkFailure {
		return []checkFailure{{Property: "source", Reason: fmt.Sprintf(format, args...)}}
	}
	v := unwrapSecret(raw)
	switch {
	case v.IsAsset():
		a := v.AssetValue()
		switch {
		case a.IsPath():
			return copySource{Path: a.Path, Hash: a.Hash}, false, nil
		case a.IsText():
			text := a.Text
			return copySource{Text: &text, Hash: a.Hash}, false, nil
		case a.IsURI():
			return src, false, fail("%s", unsupportedReason("a remote (URI) asset as CopyToRemote source"))
		}
		return src, false, fail("source asset has neither a path nor text")
	case v.IsArchive():
		a := v.ArchiveValue()
		switch {
		case a.IsPath():
			return copySource{Path: a.Path, Hash: a.Hash}, false, nil
		case a.IsURI():
			return src, false, fail("%s", unsupportedReason("a remote (URI) archive as CopyToRemote source"))
		case a.IsAssets():
			return src, false, fail("%s", unsupportedReason("an AssetArchive as CopyToRemote source"))
		}
		return src, false, fail("source archive has no path")
	}
	return src, false, fail("source must be an asset or an archive (FileAsset, StringAsset or FileArchive), got %s",
		v.TypeString())
}
