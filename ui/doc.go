// Package ui is Stepflow's web UI: state machines with their graphs, executions coloured by
// the status of each state and updated live, their histories, and the actions an operator
// needs (start, stop, redrive, approve or reject a task waiting for its token); an editor
// that validates a definition as it is typed, marks each problem at its line and state, and
// deploys it through the API's own actions; and a dashboard of each state machine's
// executions over time.
//
// Every page, script and stylesheet is embedded in the binary; nothing is fetched from
// elsewhere, so the UI works offline. Pages are server-rendered HTML with a little vanilla
// JavaScript that polls the JSON endpoints under /ui/api/.
//
// WithLogin puts a sign-in in front of it when the API authenticates its callers: people sign
// in with an access key, keep a session cookie, send its CSRF token with every change, and see
// and do what the key's policies allow, checked by the API (login.go, session.go, access.go).
// With Login.OIDC they may sign in through an OpenID Connect provider instead, acting as the
// IAM user or role their ID token's claims are mapped to (login_oidc.go).
package ui
