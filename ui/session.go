package ui

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"sync"
	"time"

	"github.com/stepflow/stepflow/api"
)

// SessionIdleTimeout is how long a UI session lasts without a request; SessionLifetime is how
// long it lasts at most, used or not. Then the person signs in again.
const (
	SessionIdleTimeout = 12 * time.Hour
	SessionLifetime    = 7 * 24 * time.Hour
)

// maxSessions bounds the sessions kept in memory; signing in past it ends the session used
// least recently.
const maxSessions = 10000

// sessionCookie names the cookie that carries a session's id.
const sessionCookie = "stepflow_session"

// session is one signed-in person: the access key they proved, its principal, and the token
// every state-changing request of theirs must carry.
type session struct {
	id        string
	keyID     string
	principal string
	csrf      string
	created   time.Time
	lastSeen  time.Time
	// identity is who signed in through an OpenID Connect provider, instead of with keyID.
	identity *api.Identity
}

// sessions are kept in this server's memory: several servers behind one address need sticky
// sessions, or each asks for its own sign-in.
type sessions struct {
	mu  sync.Mutex
	now func() time.Time
	all map[string]*session
}

func newSessions(now func() time.Time) *sessions {
	return &sessions{now: now, all: map[string]*session{}}
}

// randomToken is 256 random bits, URL-safe.
func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand panics rather than return short)
	return base64.RawURLEncoding.EncodeToString(b)
}

// start opens a new session for a signed-in key: a fresh id every time, so an id planted
// before sign-in is never promoted.
func (ss *sessions) start(keyID, principal string) *session {
	now := ss.now()
	s := &session{id: randomToken(), keyID: keyID, principal: principal, csrf: randomToken(), created: now, lastSeen: now}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	for id, old := range ss.all {
		if ss.expired(old, now) {
			delete(ss.all, id)
		}
	}
	if len(ss.all) >= maxSessions {
		var oldest *session
		for _, old := range ss.all {
			if oldest == nil || old.lastSeen.Before(oldest.lastSeen) {
				oldest = old
			}
		}
		delete(ss.all, oldest.id)
	}
	ss.all[s.id] = s
	return s
}

func (ss *sessions) expired(s *session, now time.Time) bool {
	return now.Sub(s.lastSeen) > SessionIdleTimeout || now.Sub(s.created) > SessionLifetime
}

// get returns the live session of an id and marks it used, or nil.
func (ss *sessions) get(id string) *session {
	if id == "" {
		return nil
	}
	now := ss.now()
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s := ss.all[id]
	if s == nil {
		return nil
	}
	if ss.expired(s, now) {
		delete(ss.all, id)
		return nil
	}
	s.lastSeen = now
	copied := *s
	return &copied
}

// setIdentity records that a session was begun through an OpenID Connect provider.
func (ss *sessions) setIdentity(id string, identity *api.Identity) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if s := ss.all[id]; s != nil {
		s.identity = identity
	}
}

// end forgets a session (sign-out, or its key stopped working).
func (ss *sessions) end(id string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	delete(ss.all, id)
}

// csrfMatches compares a request's CSRF token with the session's in constant time.
func (s *session) csrfMatches(token string) bool {
	return token != "" && subtle.ConstantTimeCompare([]byte(token), []byte(s.csrf)) == 1
}
