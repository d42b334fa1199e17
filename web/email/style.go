package email

import "github.com/a-h/templ"

// The colours are the only values in a style that vary, and the caller
// has checked both are #rrggbb: no tenant setting can add CSS of its own.

func headerStyle(v View) templ.SafeCSS {
	return templ.SafeCSS("background:" + v.Color + ";color:" + v.OnColor +
		";padding:16px 24px;border-radius:6px 6px 0 0;font:bold 18px/1.3 Arial,Helvetica,sans-serif;")
}

func buttonStyle(v View) templ.SafeCSS {
	return templ.SafeCSS("display:inline-block;background:" + v.Color + ";color:" + v.OnColor +
		";padding:12px 20px;border-radius:4px;font-weight:bold;text-decoration:none;")
}
