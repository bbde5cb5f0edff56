// Package ipam leases the numbered resources a container holds on the host:
// IPv4 and IPv6 addresses, MAC addresses and subordinate id ranges. Leases
// live in SQLite so several nixlxc processes can allocate at once without
// losing or duplicating one, and a container keeps its numbers for its whole
// life.
//
// The database deals in pools of numbers (an address is its offset in a
// subnet); pool.go maps numbers to addresses, MACs and id ranges, purely.
// Allocation hands out the lowest free number, so a freed address is the
// next one given, as nixcloud-container's tests expect.
package ipam

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"syscall"
	"time"

	"github.com/mattn/go-sqlite3" // also the database/sql driver
)

// Errors callers test for.
var (
	ErrExhausted  = errors.New("pool exhausted")
	ErrOutOfRange = errors.New("out of range")
	// ErrCorrupt is a database file SQLite cannot read.
	ErrCorrupt = errors.New("the IPAM database is unreadable")
)

// TakenError is a number another container (or the host) already holds.
type TakenError struct {
	Pool   string
	Num    int64
	Holder string
}

func (e *TakenError) Error() string {
	return fmt.Sprintf("number %d of pool %s is held by %s", e.Num, e.Pool, e.Holder)
}

// HostHolder holds a pool's reserved numbers (gateway, host address).
const HostHolder = "(host)"

// Pool is a range of numbers [First, Last] minus Reserved ones.
type Pool struct {
	Name     string
	First    int64
	Last     int64
	Reserved []int64
}

// Lease is one number held by a container for a purpose.
type Lease struct {
	Pool      string
	Num       int64
	Container string
	Purpose   string
	Static    bool
}

// DB is the lease database.
type DB struct {
	db *sql.DB
}

// Open opens (creating and migrating) the database at path.
func Open(path string) (*DB, error) {
	q := url.Values{}
	q.Set("_foreign_keys", "on")
	q.Set("_busy_timeout", "30000")
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", "NORMAL")
	// Every transaction here reads then writes: take the write lock at
	// BEGIN, so two processes never both read the same free number.
	q.Set("_txlock", "immediate")
	// Root's alone, as the rest of the state: SQLite would make it (and its
	// -wal and -shm files, which take its mode) readable by every user.
	if f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE|syscall.O_NOFOLLOW, 0o600); err == nil {
		f.Chmod(0o600)
		f.Close()
	}
	db, err := sql.Open("sqlite3", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("opening IPAM database %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	d := &DB{db: db}
	if err := d.migrate(); err != nil {
		db.Close()
		if corrupt(err) {
			return nil, fmt.Errorf("%w: %s: %v (run nixlxc doctor --repair)", ErrCorrupt, path, err)
		}
		return nil, fmt.Errorf("IPAM database %s: %w", path, err)
	}
	return d, nil
}

// corrupt reports whether err says the file is no SQLite database, or a
// damaged one.
func corrupt(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && (se.Code == sqlite3.ErrNotADB || se.Code == sqlite3.ErrCorrupt)
}

// SetAside renames an unreadable database (and its WAL files) out of the
// way, keeping it for inspection, so that Open starts a new one. It
// returns the new name of the database file.
func SetAside(path string) (string, error) {
	aside := fmt.Sprintf("%s.unreadable-%s", path, time.Now().UTC().Format("20060102T150405"))
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := os.Rename(path+suffix, aside+suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return "", err
		}
	}
	if err := os.Rename(path, aside); err != nil {
		return "", err
	}
	return aside, nil
}

// Close closes the database.
func (d *DB) Close() error { return d.db.Close() }

// Tx is one transaction: a container's several leases succeed or fail
// together.
type Tx struct {
	tx  *sql.Tx
	ctx context.Context
}

// Update runs fn in a write transaction, committing if it returns nil.
func (d *DB) Update(ctx context.Context, fn func(*Tx) error) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("IPAM: %w", err)
	}
	if err := fn(&Tx{tx: tx, ctx: ctx}); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("IPAM: %w", err)
	}
	return nil
}

// ensurePool creates the pool's row once, and holds its reserved numbers
// for the host every time: a host address may move within the pool (a new
// IPv6 gateway in the same prefix), and must never be handed out.
func (t *Tx) ensurePool(p Pool) (next int64, err error) {
	err = t.tx.QueryRowContext(t.ctx, `SELECT next FROM pools WHERE name = ?`, p.Name).Scan(&next)
	if errors.Is(err, sql.ErrNoRows) {
		next = p.First
		if _, err := t.tx.ExecContext(t.ctx, `INSERT INTO pools(name, next) VALUES (?, ?)`, p.Name, p.First); err != nil {
			return 0, err
		}
	} else if err != nil {
		return 0, err
	}
	for _, r := range p.Reserved {
		if r < p.First || r > p.Last {
			continue
		}
		if _, err := t.tx.ExecContext(t.ctx, `DELETE FROM free WHERE pool = ? AND num = ?`, p.Name, r); err != nil {
			return 0, err
		}
		if _, err := t.tx.ExecContext(t.ctx,
			`INSERT OR IGNORE INTO leases(pool, num, container, purpose, static) VALUES (?, ?, ?, ?, 1)`,
			p.Name, r, HostHolder, fmt.Sprintf("reserved %s %d", p.Name, r)); err != nil {
			return 0, err
		}
	}
	return next, nil
}

// Lease returns what container holds for purpose, if anything.
func (t *Tx) Lease(container, purpose string) (Lease, bool, error) {
	l := Lease{Container: container, Purpose: purpose}
	err := t.tx.QueryRowContext(t.ctx,
		`SELECT pool, num, static FROM leases WHERE container = ? AND purpose = ?`,
		container, purpose).Scan(&l.Pool, &l.Num, &l.Static)
	if errors.Is(err, sql.ErrNoRows) {
		return l, false, nil
	}
	return l, err == nil, err
}

// Allocate gives container the lowest free number of pool for purpose. A
// container that already holds one for that purpose in that pool keeps it.
func (t *Tx) Allocate(p Pool, container, purpose string) (int64, error) {
	if l, ok, err := t.Lease(container, purpose); err != nil {
		return 0, err
	} else if ok {
		if l.Pool == p.Name && !l.Static {
			return l.Num, nil
		}
		if err := t.ReleasePurpose(container, purpose); err != nil {
			return 0, err
		}
	}
	next, err := t.ensurePool(p)
	if err != nil {
		return 0, err
	}
	var num int64
	var freeNum sql.NullInt64
	if err := t.tx.QueryRowContext(t.ctx, `SELECT MIN(num) FROM free WHERE pool = ?`, p.Name).Scan(&freeNum); err != nil {
		return 0, err
	}
	if freeNum.Valid {
		num = freeNum.Int64
		if _, err := t.tx.ExecContext(t.ctx, `DELETE FROM free WHERE pool = ? AND num = ?`, p.Name, num); err != nil {
			return 0, err
		}
	} else {
		// Above the high-water mark everything is free but static leases.
		num = next
		for {
			if num > p.Last {
				return 0, fmt.Errorf("%w: %s has no free number left", ErrExhausted, p.Name)
			}
			var holder string
			err := t.tx.QueryRowContext(t.ctx, `SELECT container FROM leases WHERE pool = ? AND num = ?`, p.Name, num).Scan(&holder)
			if errors.Is(err, sql.ErrNoRows) {
				break
			}
			if err != nil {
				return 0, err
			}
			num++
		}
		if _, err := t.tx.ExecContext(t.ctx, `UPDATE pools SET next = ? WHERE name = ?`, num+1, p.Name); err != nil {
			return 0, err
		}
	}
	if _, err := t.tx.ExecContext(t.ctx,
		`INSERT INTO leases(pool, num, container, purpose, static) VALUES (?, ?, ?, ?, 0)`,
		p.Name, num, container, purpose); err != nil {
		return 0, fmt.Errorf("IPAM: leasing %d of %s: %w", num, p.Name, err)
	}
	return num, nil
}

// Reserve gives container a number it asked for (a static address). A number
// someone else holds is a TakenError naming the holder.
func (t *Tx) Reserve(p Pool, num int64, container, purpose string) error {
	return t.take(p, num, container, purpose, true)
}

// Restore gives container number num for purpose as if Allocate had given
// it: a lease lost with the database, taken back at the number the
// container uses (a static lease would be given up by the next Allocate).
func (t *Tx) Restore(p Pool, num int64, container, purpose string) error {
	return t.take(p, num, container, purpose, false)
}

func (t *Tx) take(p Pool, num int64, container, purpose string, static bool) error {
	if num < p.First || num > p.Last {
		return fmt.Errorf("%w: %d is not in %s", ErrOutOfRange, num, p.Name)
	}
	if l, ok, err := t.Lease(container, purpose); err != nil {
		return err
	} else if ok {
		if l.Pool == p.Name && l.Num == num && l.Static == static {
			return nil
		}
		if err := t.ReleasePurpose(container, purpose); err != nil {
			return err
		}
	}
	if _, err := t.ensurePool(p); err != nil {
		return err
	}
	var holder string
	err := t.tx.QueryRowContext(t.ctx, `SELECT container FROM leases WHERE pool = ? AND num = ?`, p.Name, num).Scan(&holder)
	if err == nil {
		return &TakenError{Pool: p.Name, Num: num, Holder: holder}
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if _, err := t.tx.ExecContext(t.ctx, `DELETE FROM free WHERE pool = ? AND num = ?`, p.Name, num); err != nil {
		return err
	}
	_, err = t.tx.ExecContext(t.ctx,
		`INSERT INTO leases(pool, num, container, purpose, static) VALUES (?, ?, ?, ?, ?)`,
		p.Name, num, container, purpose, static)
	return err
}

// Replace makes container hold exactly leases: what it holds now is freed and
// each given lease is taken again at its number. It undoes a failed change.
func (t *Tx) Replace(container string, leases []Lease) error {
	if _, err := t.Release(container); err != nil {
		return err
	}
	for _, l := range leases {
		var holder string
		err := t.tx.QueryRowContext(t.ctx, `SELECT container FROM leases WHERE pool = ? AND num = ?`, l.Pool, l.Num).Scan(&holder)
		if err == nil {
			return &TakenError{Pool: l.Pool, Num: l.Num, Holder: holder}
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if _, err := t.tx.ExecContext(t.ctx, `DELETE FROM free WHERE pool = ? AND num = ?`, l.Pool, l.Num); err != nil {
			return err
		}
		if _, err := t.tx.ExecContext(t.ctx,
			`INSERT INTO leases(pool, num, container, purpose, static) VALUES (?, ?, ?, ?, ?)`,
			l.Pool, l.Num, container, l.Purpose, l.Static); err != nil {
			return err
		}
	}
	return nil
}

// Holder returns who holds num of pool, if anyone.
func (t *Tx) Holder(pool string, num int64) (string, bool, error) {
	var holder string
	err := t.tx.QueryRowContext(t.ctx, `SELECT container FROM leases WHERE pool = ? AND num = ?`, pool, num).Scan(&holder)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	return holder, err == nil, err
}

// LeasesInPools returns every lease of the pools whose name starts with
// prefix (all subnets of one bridge, say).
func (t *Tx) LeasesInPools(prefix string) ([]Lease, error) {
	rows, err := t.tx.QueryContext(t.ctx,
		`SELECT pool, num, container, purpose, static FROM leases WHERE substr(pool, 1, ?) = ?`, len(prefix), prefix)
	if err != nil {
		return nil, err
	}
	return scanLeases(rows)
}

// Count returns how many leases pool has.
func (t *Tx) Count(pool string) (int, error) {
	var n int
	err := t.tx.QueryRowContext(t.ctx, `SELECT COUNT(*) FROM leases WHERE pool = ?`, pool).Scan(&n)
	return n, err
}

// ReleasePurpose frees what container holds for one purpose.
func (t *Tx) ReleasePurpose(container, purpose string) error {
	l, ok, err := t.Lease(container, purpose)
	if err != nil || !ok {
		return err
	}
	return t.release(l)
}

// Release frees everything container holds and returns how many leases.
func (t *Tx) Release(container string) (int, error) {
	leases, err := t.Leases(container)
	if err != nil {
		return 0, err
	}
	for _, l := range leases {
		if err := t.release(l); err != nil {
			return 0, err
		}
	}
	return len(leases), nil
}

func (t *Tx) release(l Lease) error {
	if _, err := t.tx.ExecContext(t.ctx, `DELETE FROM leases WHERE pool = ? AND num = ?`, l.Pool, l.Num); err != nil {
		return err
	}
	// Below the high-water mark a freed number must be remembered; above it
	// (a static lease) it is free by being absent.
	_, err := t.tx.ExecContext(t.ctx,
		`INSERT OR IGNORE INTO free(pool, num) SELECT ?, ? FROM pools WHERE name = ? AND ? < next`,
		l.Pool, l.Num, l.Pool, l.Num)
	return err
}

// Leases returns what container holds.
func (t *Tx) Leases(container string) ([]Lease, error) {
	rows, err := t.tx.QueryContext(t.ctx,
		`SELECT pool, num, container, purpose, static FROM leases WHERE container = ? ORDER BY purpose`, container)
	if err != nil {
		return nil, err
	}
	return scanLeases(rows)
}

// Leases returns what container holds, outside a write transaction.
func (d *DB) Leases(ctx context.Context, container string) ([]Lease, error) {
	rows, err := d.db.QueryContext(ctx,
		`SELECT pool, num, container, purpose, static FROM leases WHERE container = ? ORDER BY purpose`, container)
	if err != nil {
		return nil, err
	}
	return scanLeases(rows)
}

// All returns every lease but the host's reservations.
func (d *DB) All(ctx context.Context) ([]Lease, error) {
	rows, err := d.db.QueryContext(ctx,
		`SELECT pool, num, container, purpose, static FROM leases WHERE container != ? ORDER BY container, purpose`, HostHolder)
	if err != nil {
		return nil, err
	}
	return scanLeases(rows)
}

func scanLeases(rows *sql.Rows) ([]Lease, error) {
	defer rows.Close()
	var out []Lease
	for rows.Next() {
		var l Lease
		if err := rows.Scan(&l.Pool, &l.Num, &l.Container, &l.Purpose, &l.Static); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}
