package emulator

import (
	"bytes"
	"html/template"
	"net/http"
)

// The sign-up page is one self-contained document: no scripts and no
// external assets, so it works from any browser that can reach the
// emulator, and a strict content security policy can forbid everything
// else.
var pageTemplate = template.Must(template.New("signup").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{if .Error}}Sign-up problem{{else if .Done}}Welcome{{else}}Sign up{{end}} · partner emulator</title>
<style>
 body { font-family: system-ui, sans-serif; background: #f4f4f6; color: #222; margin: 0; }
 main { max-width: 28rem; margin: 3rem auto; background: #fff; padding: 2rem; border-radius: .5rem; box-shadow: 0 1px 4px #0002; }
 h1 { font-size: 1.4rem; margin-top: 0; }
 dl { display: grid; grid-template-columns: auto 1fr; gap: .3rem 1rem; }
 dt { color: #666; }
 dd { margin: 0; }
 label { display: block; margin: 1rem 0 .3rem; }
 input[type=email] { width: 100%; padding: .5rem; box-sizing: border-box; }
 button { margin-top: 1rem; padding: .6rem 1.2rem; background: #b00; color: #fff; border: 0; border-radius: .3rem; font-size: 1rem; }
 .error { color: #900; }
 .note { color: #777; font-size: .85rem; margin-top: 2rem; }
</style>
</head>
<body>
<main>
{{if .Error}}
 <h1>We could not complete your sign-up</h1>
 <p class="error" id="error">{{.Error}}</p>
{{else if .Done}}
 <h1>Welcome!</h1>
 <p id="done">Your membership is active{{if .Email}} and a confirmation went to {{.Email}}{{end}}.</p>
{{end}}
{{if .Offer}}
 <dl>
  <dt>Plan</dt><dd id="offer">{{.Offer}}</dd>
  <dt>Country</dt><dd>{{.Country}}</dd>
  <dt>Price</dt><dd id="price">{{.Price}} per period</dd>
  {{if .Promotion}}<dt>Promotion</dt><dd id="promotion">{{.Promotion}}</dd>{{end}}
  {{if .Done}}{{if .PaidThrough}}<dt>Paid through</dt><dd>{{.PaidThrough}}</dd>{{end}}
  {{else}}<dt>Offer valid until</dt><dd>{{.ExpiresAt}}</dd>{{end}}
 </dl>
{{end}}
{{if not (or .Error .Done)}}
 <form method="post" action="/signup">
  <input type="hidden" name="token" value="{{.Token}}">
  <label for="email">Email (optional)</label>
  <input type="email" id="email" name="email" autocomplete="email">
  <button type="submit">Start membership</button>
 </form>
{{end}}
 <p class="note">This is the partner emulator: no real membership is created.</p>
</main>
</body>
</html>
`))

func renderPage(w http.ResponseWriter, status int, v signupView) {
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, v); err != nil {
		http.Error(w, "cannot render page", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'")
	h.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}
