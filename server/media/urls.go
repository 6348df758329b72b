package media

import "strings"

// URLs turn what the database holds of a picture (a reference: a media key,
// an http(s) URL of a picture hosted elsewhere, or "") into the URL clients
// load it from.
type URLs struct {
	// Base is the public base URL of the media (a CDN, or the bucket's
	// public endpoint: WEMART_MEDIA_URL); empty serves them from this
	// server, root-relative: /media/<key>.
	Base string
}

// Of is the URL of ref: "" for none, an http(s) URL as it is, a key under
// Base (or /media/).
func (u URLs) Of(ref string) string {
	switch {
	case ref == "":
		return ""
	case hasPrefixFold(ref, "https://"), hasPrefixFold(ref, "http://"):
		return ref
	case u.Base != "":
		return strings.TrimSuffix(u.Base, "/") + "/" + ref
	}
	return "/media/" + ref
}

// ProductRef is a product's main picture as a reference (see URLs): its main
// uploaded picture's key, or else the first picture URL staff gave
// (products.images), or "".
func ProductRef(imageKey string, images []string) string {
	if imageKey != "" {
		return imageKey
	}
	if len(images) > 0 {
		return images[0]
	}
	return ""
}

// hasPrefixFold is strings.HasPrefix ignoring case (URL schemes are).
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
