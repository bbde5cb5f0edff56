package ipam

import "fmt"

// migrations are the schema's history. Only ever append: a database at
// version N runs migrations[N:].
var migrations = []string{
	// 1: pools with a high-water mark, leases, and the free numbers below
	// the mark, so the lowest free number is one index lookup away at any
	// number of leases.
	`CREATE TABLE pools (
		name TEXT PRIMARY KEY,
		next INTEGER NOT NULL
	);
	CREATE TABLE leases (
		pool TEXT NOT NULL REFERENCES pools(name),
		num INTEGER NOT NULL,
		container TEXT NOT NULL,
		purpose TEXT NOT NULL,
		static INTEGER NOT NULL DEFAULT 0,
		PRIMARY KEY (pool, num),
		UNIQUE (container, purpose)
	);
	CREATE TABLE free (
		pool TEXT NOT NULL REFERENCES pools(name),
		num INTEGER NOT NULL,
		PRIMARY KEY (pool, num)
	);`,
}

func (d *DB) migrate() error {
	// The common case, an up-to-date schema, is one read.
	var current int
	if err := d.db.QueryRow(`SELECT COALESCE(MAX(version), 0) FROM schema_version`).Scan(&current); err == nil && current == len(migrations) {
		return nil
	}
	tx, err := d.db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.Exec(`CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`); err != nil {
		return err
	}
	var version int
	if err := tx.QueryRow(`SELECT COALESCE(MAX(version), 0) FROM schema_version`).Scan(&version); err != nil {
		return err
	}
	if version > len(migrations) {
		return fmt.Errorf("schema version %d is newer than this nixlxc knows (%d)", version, len(migrations))
	}
	for i := version; i < len(migrations); i++ {
		if _, err := tx.Exec(migrations[i]); err != nil {
			return fmt.Errorf("migration %d: %w", i+1, err)
		}
	}
	if version < len(migrations) {
		if _, err := tx.Exec(`DELETE FROM schema_version`); err != nil {
			return err
		}
		if _, err := tx.Exec(`INSERT INTO schema_version(version) VALUES (?)`, len(migrations)); err != nil {
			return err
		}
	}
	return tx.Commit()
}
