package spec

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestParseTimeSpan(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"90": 90 * time.Second, "90s": 90 * time.Second, "1min": time.Minute, "1min 30s": 90 * time.Second,
		"2m": 2 * time.Minute, "1h": time.Hour, "500ms": 500 * time.Millisecond, "1.5min": 90 * time.Second, " 5 sec ": 5 * time.Second,
	} {
		if got, err := ParseTimeSpan(in); err != nil || got != want {
			t.Errorf("ParseTimeSpan(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "infinity", "-1s", "1 fortnight", "s", "2d", "0", "1..2s", "1e3s"} {
		if _, err := ParseTimeSpan(in); err == nil {
			t.Errorf("ParseTimeSpan(%q) accepted", in)
		}
	}
}

func FuzzParseTimeSpan(f *testing.F) {
	for _, s := range []string{"90", "1min 30s", "2h", "500ms", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseTimeSpan(s)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error %q", err)
			}
			return
		}
		if d < time.Millisecond || d > 24*time.Hour {
			t.Fatalf("%q gave %v", s, d)
		}
	})
}

func declEval(t *testing.T, js string) DeclEvaluated {
	t.Helper()
	var e DeclEvaluated
	if err := json.Unmarshal([]byte(js), &e); err != nil {
		t.Fatal(err)
	}
	return e
}

func TestFromDeclared(t *testing.T) {
	d, err := FromDeclared("web", declEval(t, `{"form":"attrset","autostart":true,"forwardPorts":[{"hostPort":8080}],"restartIfChanged":false,"timeoutStartSec":"2min"}`))
	if err != nil || !d.Settings.Autostart.Enable || len(d.Settings.ForwardPorts) != 1 || d.RestartIfChanged || d.TimeoutStart != 2*time.Minute {
		t.Errorf("FromDeclared = %+v, %v", d, err)
	}
	d, err = FromDeclared("db", declEval(t, `{"form":"attrset"}`))
	if err != nil || !d.RestartIfChanged || d.TimeoutStart != time.Minute {
		t.Errorf("defaults: %+v, %v", d, err)
	}
	for js, want := range map[string]string{
		`{"notASet":true}`:                           "containers.web: must be an attribute set",
		`{"declUnknown":["hostBridge"]}`:             `containers.web: unknown option "hostBridge"`,
		`{"noConfig":true}`:                          "config is required",
		`{"both":["autostart"]}`:                     "autostart is set both here and in its config file",
		`{"limits":{"memory":"lots"}}`:               "containers.web: invalid limits.memory",
		`{"restartIfChanged":"yes"}`:                 "restartIfChanged: must be a boolean",
		`{"timeoutStartSec":"soon"}`:                 "timeoutStartSec",
		`{"timeoutStartSec":true}`:                   "timeoutStartSec",
		`{"forwardPorts":[{"hostPort":8080,"x":1}]}`: `unknown attribute "x"`,
	} {
		_, err := FromDeclared("web", declEval(t, js))
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v, want a one-line error mentioning %q", js, err, want)
		}
	}
	if _, err := FromDeclared("web", DeclEvaluated{EvalErr: "reading x: getting status of '/gone.nix'"}); err == nil || err.Error() != "containers.web: reading x: getting status of '/gone.nix'" {
		t.Errorf("a declaration that does not evaluate: %v", err)
	}
	if _, err := FromDeclared("Web_1", declEval(t, `{}`)); err == nil || !strings.Contains(err.Error(), "containers.Web_1") {
		t.Errorf("a bad name: %v", err)
	}
}
