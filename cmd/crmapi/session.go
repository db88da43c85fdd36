package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// session is what login keeps between invocations, in the user's config
// directory with mode 0600 (the token is a credential).
type session struct {
	Server       string `json:"server"`
	Organisation string `json:"organisation"`
	Username     string `json:"username"`
	Token        string `json:"token"`
}

var errNotLoggedIn = errors.New("not logged in: run crmapi login")

// sessionPath is $CRMAPI_CONFIG_DIR/session.json, or crmapi/session.json
// in the user's config directory.
func sessionPath() (string, error) {
	if d := os.Getenv("CRMAPI_CONFIG_DIR"); d != "" {
		return filepath.Join(d, "session.json"), nil
	}
	d, err := os.UserConfigDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "crmapi", "session.json"), nil
}

func loadSession() (session, error) {
	var s session
	p, err := sessionPath()
	if err != nil {
		return s, err
	}
	b, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return s, errNotLoggedIn
	}
	if err != nil {
		return s, err
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("%s: %w", p, err)
	}
	return s, nil
}

func saveSession(s session) error {
	p, err := sessionPath()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	b, _ := json.MarshalIndent(s, "", "  ")
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, p)
}

func removeSession() error {
	p, err := sessionPath()
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}
