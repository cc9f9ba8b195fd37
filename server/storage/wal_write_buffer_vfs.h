// A SQLite VFS that gathers a connection's writes to its WAL file into a
// few large writes.
//
// SQLite appends each WAL frame with two write system calls (its 24-byte
// header, then the page), so a group commit of a few hundred pages makes
// several hundred calls before its one sync. Through this VFS the writes to
// a WAL file that follow each other in the file are gathered in memory and
// written with one call when the buffer is full, and always before the
// file is synced, read, truncated, sized, given a file control or closed.
// What reaches the disk, and when it is synced, is what SQLite asked for,
// so durability is unchanged: a commit returns after its sync, and the
// sync comes after the gathered bytes are written. Other connections read
// the WAL only up to the last commit, which has been written by then.
// Every other file, and every other operation, goes straight to the
// default VFS.
//
//   Connection::Open(path, {.vfs = WalWriteBufferVfs::Name()});
#ifndef REHAB_SERVER_STORAGE_WAL_WRITE_BUFFER_VFS_H_
#define REHAB_SERVER_STORAGE_WAL_WRITE_BUFFER_VFS_H_

#include <cstddef>

namespace rehab::storage {

class WalWriteBufferVfs {
 public:
  // Bytes gathered at most before they are written.
  static constexpr size_t kBufferBytes = 2 << 20;

  // Registers the VFS (once per process; thread-safe) over the default VFS
  // and returns its name for sqlite3_open_v2; nullptr when the default VFS
  // cannot be wrapped (then the default VFS should be used as it is).
  static const char* Name();

  WalWriteBufferVfs() = delete;
};

}  // namespace rehab::storage

#endif  // REHAB_SERVER_STORAGE_WAL_WRITE_BUFFER_VFS_H_
