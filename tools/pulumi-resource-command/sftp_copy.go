package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/pkg/sftp"
)

// copyOverSFTP copies src to remotePath on conn's host through the SSH
// server's sftp subsystem. Placement follows upstream 1.2.1:
//
//	source    | remotePath is a dir  | remotePath missing | remotePath is a file
//	----------|----------------------|--------------------|---------------------
//	dir       | remotePath/dir       | remotePath/dir     | error
//	dir/      | remotePath/<entries> | remotePath/dir     | error (*)
//	file      | remotePath/file      | remotePath         | overwritten
//	text      | error                | remotePath         | overwritten
//
// Missing parent directories are created. Files are written with the sftp
// server's default mode (0644 under the usual umask); modes, owners and times
// are not copied, as upstream. (*) upstream's table says "dir/" into a
// missing remotePath gives remotePath/dir, but its code, and this one, put
// the entries straight into remotePath.
func copyOverSFTP(ctx context.Context, conn connection, src copySource, remotePath string, status func(string)) error {
	client, err := dialSSH(ctx, conn, status)
	if err != nil {
		return err
	}
	defer func() { _ = client.Close() }()
	stop := context.AfterFunc(ctx, func() { _ = client.Close() })
	defer stop()

	sc, err := sftp.NewClient(client)
	if err != nil {
		return fmt.Errorf("start sftp on %s (the SSH server needs an sftp subsystem): %w", conn.target(), err)
	}
	defer func() { _ = sc.Close() }()

	if src.Text != nil {
		err = putText(sc, *src.Text, remotePath)
	} else {
		err = putPath(sc, src.Path, remotePath)
	}
	if err != nil && ctx.Err() != nil {
		err = fmt.Errorf("%w (%v)", ctx.Err(), err)
	}
	if err != nil {
		return fmt.Errorf("copy %s to %s:%s: %w", src, conn.target(), remotePath, err)
	}
	return nil
}

// remoteStat returns nil, nil when p does not exist.
func remoteStat(sc *sftp.Client, p string) (fs.FileInfo, error) {
	info, err := sc.Stat(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("stat remote %s: %w", p, err)
	}
	return info, nil
}

func putText(sc *sftp.Client, text, dest string) error {
	info, err := remoteStat(sc, dest)
	if err != nil {
		return err
	}
	if info != nil && info.IsDir() {
		return fmt.Errorf("remote path %s is a directory; a text asset needs a file path", dest)
	}
	if err := sc.MkdirAll(path.Dir(dest)); err != nil {
		return fmt.Errorf("create remote directory %s: %w", path.Dir(dest), err)
	}
	return putReader(sc, strings.NewReader(text), dest)
}

func putPath(sc *sftp.Client, local, dest string) error {
	info, err := os.Stat(local)
	if err != nil {
		return err
	}
	destInfo, err := remoteStat(sc, dest)
	if err != nil {
		return err
	}
	if !info.IsDir() {
		switch {
		case destInfo != nil && destInfo.IsDir():
			dest = path.Join(dest, filepath.Base(local))
		case destInfo == nil:
			if err := sc.MkdirAll(path.Dir(dest)); err != nil {
				return fmt.Errorf("create remote directory %s: %w", path.Dir(dest), err)
			}
		}
		return putFile(sc, local, dest)
	}

	if destInfo != nil && !destInfo.IsDir() {
		return fmt.Errorf("remote path %s exists but is not a directory", dest)
	}
	if destInfo == nil {
		if err := sc.MkdirAll(dest); err != nil {
			return fmt.Errorf("create remote directory %s: %w", dest, err)
		}
	}
	// Like rsync and upstream: "dir" copies the directory itself, "dir/"
	// copies its contents.
	if !strings.HasSuffix(local, "/") {
		dest = path.Join(dest, filepath.Base(local))
	}
	return putDir(sc, local, dest)
}

// putDir copies the tree under local into dest (created if missing),
// overwriting files that exist.
func putDir(sc *sftp.Client, local, dest string) error {
	return filepath.WalkDir(local, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(local, p)
		if err != nil {
			return err
		}
		target := path.Join(dest, filepath.ToSlash(rel))
		if !d.IsDir() {
			return putFile(sc, p, target)
		}
		info, err := remoteStat(sc, target)
		switch {
		case err != nil:
			return err
		case info == nil:
			if err := sc.Mkdir(target); err != nil {
				return fmt.Errorf("create remote directory %s: %w", target, err)
			}
		case !info.IsDir():
			return fmt.Errorf("remote path %s exists but is not a directory", target)
		}
		return nil
	})
}

func putFile(sc *sftp.Client, local, dest string) error {
	f, err := os.Open(local)
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()
	return putReader(sc, f, dest)
}

// putReader writes r to the remote file dest, replacing its content.
func putReader(sc *sftp.Client, r io.Reader, dest string) error {
	f, err := sc.Create(dest)
	if err != nil {
		return fmt.Errorf("create remote file %s: %w", dest, err)
	}
	if _, err := f.ReadFrom(r); err != nil {
		_ = f.Close()
		return fmt.Errorf("write remote file %s: %w", dest, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close remote file %s: %w", dest, err)
	}
	return nil
}
