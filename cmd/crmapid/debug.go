package main

import (
	"errors"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// startDebug serves net/http/pprof on its own listener. It is off by
// default: a profile exposes internals and costs CPU, so it must be asked
// for and should listen on loopback only.
func (m *Main) startDebug() error {
	if m.Config.DebugListen == "" {
		return nil
	}
	l, err := net.Listen("tcp", m.Config.DebugListen)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	m.debug = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	m.bg.Add(1)
	go func() {
		defer m.bg.Done()
		if err := m.debug.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.Log.Error("debug listener", "err", err)
		}
	}()
	m.Log.Info("crmapid debug listener", "url", "http://"+l.Addr().String()+"/debug/pprof/")
	return nil
}
