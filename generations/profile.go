package generations

import (
	"context"
	"crypto/sha1"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/nixlxc/nixlxc/atomicfile"
	"github.com/nixlxc/nixlxc/lock"
	"github.com/nixlxc/nixlxc/rmtree"
)

// DefaultGCRootDir is where Nix keeps indirect GC roots.
const DefaultGCRootDir = "/nix/var/nix/gcroots/auto"

// Profile is a Nix profile: Path is the profile link itself, e.g.
// /nix/var/nix/profiles/per-container/web/system.
type Profile struct {
	Path string
	// GCRootDir receives an indirect root per generation, as nix-env makes.
	GCRootDir string
}

func (p Profile) dir() string  { return filepath.Dir(p.Path) }
func (p Profile) base() string { return filepath.Base(p.Path) }

// Lock takes the profile lock nix-env also takes (PROFILE.lock).
func (p Profile) Lock(ctx context.Context) (*lock.File, error) {
	if err := os.MkdirAll(p.dir(), 0o755); err != nil {
		return nil, err
	}
	return lock.Acquire(ctx, p.Path+".lock")
}

// List returns the generations, oldest first, with the current one marked.
// A profile that does not exist yet has none.
func (p Profile) List() ([]Generation, error) {
	entries, err := os.ReadDir(p.dir())
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	current := ""
	if t, err := os.Readlink(p.Path); err == nil {
		current = filepath.Base(t)
	}
	var gens []Generation
	for _, e := range entries {
		n, ok := ParseLinkName(p.base(), e.Name())
		if !ok {
			continue
		}
		link := filepath.Join(p.dir(), e.Name())
		target, err := os.Readlink(link)
		if err != nil {
			continue // not a link: not a generation
		}
		st, err := os.Lstat(link)
		if err != nil {
			continue
		}
		gens = append(gens, Generation{
			Number:  n,
			Path:    target,
			Created: st.ModTime(),
			Current: e.Name() == current,
		})
	}
	sort.Slice(gens, func(i, j int) bool { return gens[i].Number < gens[j].Number })
	return gens, nil
}

// Add makes storePath the current generation. Like nix-env --set, it makes
// no new generation for the newest generation's system (it switches back to
// it); unlike nix-env, it makes none either when storePath is already the
// current generation's, so building the same system again changes nothing.
// created reports whether a new generation exists now. The caller holds
// the lock.
func (p Profile) Add(storePath string) (g Generation, created bool, err error) {
	if err := os.MkdirAll(p.dir(), 0o755); err != nil {
		return g, false, err
	}
	gens, err := p.List()
	if err != nil {
		return g, false, err
	}
	if cur, ok := CurrentOf(gens); ok && cur.Path == storePath {
		return cur, false, nil
	}
	next := 1
	if len(gens) > 0 {
		last := gens[len(gens)-1]
		if last.Path == storePath {
			g, err := p.Switch(last.Number)
			return g, false, err
		}
		next = last.Number + 1
	}
	link := filepath.Join(p.dir(), LinkName(p.base(), next))
	if err := os.Symlink(storePath, link); err != nil {
		return g, false, fmt.Errorf("creating generation %d: %w", next, err)
	}
	if err := p.addGCRoot(link); err != nil {
		os.Remove(link)
		return g, false, err
	}
	g, err = p.Switch(next)
	if err != nil {
		p.removeGeneration(next)
		return g, false, err
	}
	return g, true, nil
}

// Switch points the profile at generation n. The caller holds the lock.
func (p Profile) Switch(n int) (Generation, error) {
	gens, err := p.List()
	if err != nil {
		return Generation{}, err
	}
	g, err := Find(gens, n)
	if err != nil {
		return g, err
	}
	if err := atomicfile.Symlink(LinkName(p.base(), n), p.Path); err != nil {
		return g, fmt.Errorf("switching profile to generation %d: %w", n, err)
	}
	g.Current = true
	return g, nil
}

// Delete removes generations; the caller has checked them with Select.
func (p Profile) Delete(numbers []int) error {
	gens, err := p.List()
	if err != nil {
		return err
	}
	cur, _ := CurrentOf(gens)
	for _, n := range numbers {
		if n == cur.Number {
			return fmt.Errorf("%w (%d)", ErrCurrent, n)
		}
	}
	for _, n := range numbers {
		if err := p.removeGeneration(n); err != nil {
			return err
		}
	}
	return nil
}

func (p Profile) removeGeneration(n int) error {
	link := filepath.Join(p.dir(), LinkName(p.base(), n))
	p.removeGCRoot(link)
	if err := os.Remove(link); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("deleting generation %d: %w", n, err)
	}
	return nil
}

// RemoveAll deletes the whole profile directory and every GC root that points
// into it (nixlxc's and any nix-env made), leaving nothing for the collector
// to keep. The directory holds only this profile.
//
// It never follows a link out of the directory nor removes what is mounted
// inside it: then nothing is removed and the error names the mount.
func (p Profile) RemoveAll() error {
	if mounts, err := rmtree.MountsBelow(p.dir()); err != nil {
		return err
	} else if len(mounts) > 0 {
		return &rmtree.MountError{Path: mounts[0]}
	}
	if p.GCRootDir != "" {
		entries, _ := os.ReadDir(p.GCRootDir)
		prefix := p.dir() + "/"
		for _, e := range entries {
			root := filepath.Join(p.GCRootDir, e.Name())
			if t, err := os.Readlink(root); err == nil && strings.HasPrefix(t, prefix) {
				os.Remove(root)
			}
		}
	}
	return rmtree.RemoveAll(p.dir())
}

// GCRootName is the name Nix gives the indirect root of path: the Nix-base32
// SHA-1 of the path, so nixlxc and nix-env write the same root.
func GCRootName(path string) string {
	sum := sha1.Sum([]byte(path))
	return nixBase32(sum[:])
}

func (p Profile) addGCRoot(link string) error {
	if p.GCRootDir == "" {
		return nil
	}
	abs, err := filepath.Abs(link)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(p.GCRootDir, 0o755); err != nil {
		return err
	}
	if err := atomicfile.Symlink(abs, filepath.Join(p.GCRootDir, GCRootName(abs))); err != nil {
		return fmt.Errorf("adding GC root for %s: %w", abs, err)
	}
	return nil
}

func (p Profile) removeGCRoot(link string) {
	if p.GCRootDir == "" {
		return
	}
	if abs, err := filepath.Abs(link); err == nil {
		os.Remove(filepath.Join(p.GCRootDir, GCRootName(abs)))
	}
}

const base32Chars = "0123456789abcdfghijklmnpqrsvwxyz"

// nixBase32 is Nix's own base-32 encoding (its alphabet and bit order).
func nixBase32(hash []byte) string {
	n := (len(hash)*8-1)/5 + 1
	out := make([]byte, 0, n)
	for i := n - 1; i >= 0; i-- {
		b := uint(i * 5)
		j, k := b/8, b%8
		c := hash[j] >> k
		if int(j) < len(hash)-1 {
			c |= hash[j+1] << (8 - k)
		}
		out = append(out, base32Chars[c&0x1f])
	}
	return string(out)
}
