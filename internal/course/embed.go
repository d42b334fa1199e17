package course

import (
	"net/url"
	"path"
	"strings"
)

// FrameHosts are the hosts whose players a lesson page may frame: every
// allowed embed address becomes a player address on one of them, so the
// page's Content-Security-Policy can name exactly these.
var FrameHosts = []string{"www.youtube-nocookie.com", "player.vimeo.com", "fast.wistia.net", "w.soundcloud.com"}

// PlayerURL turns an allowed embed address (a page link such as a YouTube
// watch link, or a player address) into the address of the host's player.
// YouTube plays from its privacy-enhanced host, which sets no cookies until
// the video is played. ok is false for an address no player is known for.
func PlayerURL(raw string) (player string, ok bool) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" {
		return "", false
	}
	segs := strings.Split(strings.Trim(u.Path, "/"), "/")
	id := segs[len(segs)-1]
	switch u.Host {
	case "www.youtube.com", "youtube.com", "www.youtube-nocookie.com":
		switch {
		case u.Path == "/watch" && u.Query().Get("v") != "":
			id = u.Query().Get("v")
		case len(segs) == 2 && segs[0] == "embed":
		default:
			return "", false
		}
		return "https://www.youtube-nocookie.com/embed/" + url.PathEscape(id), validID(id)
	case "vimeo.com", "player.vimeo.com":
		if u.Host == "player.vimeo.com" && (len(segs) != 2 || segs[0] != "video") {
			return "", false
		}
		if u.Host == "vimeo.com" && len(segs) != 1 {
			return "", false
		}
		return "https://player.vimeo.com/video/" + url.PathEscape(id), validID(id)
	case "fast.wistia.net":
		if len(segs) != 3 || segs[0] != "embed" || segs[1] != "iframe" {
			return "", false
		}
		return "https://fast.wistia.net/embed/iframe/" + url.PathEscape(id), validID(id)
	case "w.soundcloud.com":
		// The SoundCloud widget takes the track's address as a parameter.
		track := u.Query().Get("url")
		t, err := url.Parse(track)
		if path.Clean(u.Path) != "/player" || err != nil || t.Scheme != "https" ||
			(t.Host != "api.soundcloud.com" && t.Host != "soundcloud.com") {
			return "", false
		}
		return "https://w.soundcloud.com/player/?url=" + url.QueryEscape(track), true
	}
	return "", false
}

// validID accepts the video IDs the hosts use: letters, digits, - and _.
func validID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}
