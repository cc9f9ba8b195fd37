#include "server/storage/wal_write_buffer_vfs.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstring>

namespace rehab::storage {
namespace {

constexpr char kVfsName[] = "rehab-wal-write-buffer";

// The VFS wrapped; set once, before the wrapper is registered.
sqlite3_vfs* real_vfs = nullptr;

// A file of this VFS: the default VFS's own file object follows it in the
// same allocation (szOsFile covers both).
struct BufferedFile {
  sqlite3_file base;
  sqlite3_file* real;
  // WAL files only; null for the others, and when it could not be had.
  char* buffer;
  // The file offset buffer[0] goes to, and the bytes gathered.
  sqlite3_int64 start;
  size_t used;
};

// Where the real file starts: after BufferedFile, 8-byte aligned.
constexpr size_t kRealOffset = (sizeof(BufferedFile) + 7) & ~size_t{7};

BufferedFile* Cast(sqlite3_file* file) {
  return reinterpret_cast<BufferedFile*>(file);
}

const sqlite3_io_methods* Real(BufferedFile* f) { return f->real->pMethods; }

// The most the unix VFS writes in one call: it masks a write's length to
// its low 17 bits (and takes a masked length of 0 for a full disk), so
// longer writes go in pieces of whole pages below that.
constexpr size_t kMaxWriteBytes = 0x1ffff & ~size_t{4095};

int WriteInPieces(BufferedFile* f, const char* data, size_t size,
                  sqlite3_int64 offset) {
  int rc = SQLITE_OK;
  for (size_t done = 0; done < size && rc == SQLITE_OK;) {
    const size_t piece = std::min(size - done, kMaxWriteBytes);
    rc = Real(f)->xWrite(f->real, data + done, static_cast<int>(piece),
                         offset + static_cast<sqlite3_int64>(done));
    done += piece;
  }
  return rc;
}

int Flush(BufferedFile* f) {
  if (f->used == 0) return SQLITE_OK;
  const int rc = WriteInPieces(f, f->buffer, f->used, f->start);
  // On error the bytes are dropped: SQLite fails the transaction they
  // belong to, and frames past the last commit are never read.
  f->used = 0;
  return rc;
}

// --- sqlite3_io_methods ---

int Close(sqlite3_file* file) {
  BufferedFile* f = Cast(file);
  const int flushed = Flush(f);
  const int closed = Real(f)->xClose(f->real);
  sqlite3_free(f->buffer);
  f->buffer = nullptr;
  return flushed != SQLITE_OK ? flushed : closed;
}

int Read(sqlite3_file* file, void* out, int amount, sqlite3_int64 offset) {
  BufferedFile* f = Cast(file);
  if (f->used > 0 && offset < f->start + static_cast<sqlite3_int64>(f->used) &&
      offset + amount > f->start) {
    const int rc = Flush(f);
    if (rc != SQLITE_OK) return rc;
  }
  return Real(f)->xRead(f->real, out, amount, offset);
}

int Write(sqlite3_file* file, const void* data, int amount,
          sqlite3_int64 offset) {
  BufferedFile* f = Cast(file);
  const size_t size = static_cast<size_t>(amount);
  if (f->buffer == nullptr)
    return Real(f)->xWrite(f->real, data, amount, offset);
  if (size > WalWriteBufferVfs::kBufferBytes) {
    const int rc = Flush(f);
    if (rc != SQLITE_OK) return rc;
    return WriteInPieces(f, static_cast<const char*>(data), size, offset);
  }
  const bool appends =
      f->used > 0 && offset == f->start + static_cast<sqlite3_int64>(f->used) &&
      f->used + size <= WalWriteBufferVfs::kBufferBytes;
  if (!appends) {
    // Not the next bytes (SQLite rewrites a frame of the open transaction
    // in place, or starts the WAL over), or no room: what is gathered goes
    // first, so writes reach the file in the order they were made.
    const int rc = Flush(f);
    if (rc != SQLITE_OK) return rc;
    f->start = offset;
  }
  std::memcpy(f->buffer + f->used, data, size);
  f->used += size;
  return SQLITE_OK;
}

int Truncate(sqlite3_file* file, sqlite3_int64 size) {
  BufferedFile* f = Cast(file);
  const int rc = Flush(f);
  if (rc != SQLITE_OK) return rc;
  return Real(f)->xTruncate(f->real, size);
}

int Sync(sqlite3_file* file, int flags) {
  BufferedFile* f = Cast(file);
  const int rc = Flush(f);
  if (rc != SQLITE_OK) return rc;
  return Real(f)->xSync(f->real, flags);
}

int FileSize(sqlite3_file* file, sqlite3_int64* size) {
  BufferedFile* f = Cast(file);
  const int rc = Flush(f);
  if (rc != SQLITE_OK) return rc;
  return Real(f)->xFileSize(f->real, size);
}

int Lock(sqlite3_file* file, int level) {
  BufferedFile* f = Cast(file);
  return Real(f)->xLock(f->real, level);
}

int Unlock(sqlite3_file* file, int level) {
  BufferedFile* f = Cast(file);
  return Real(f)->xUnlock(f->real, level);
}

int CheckReservedLock(sqlite3_file* file, int* out) {
  BufferedFile* f = Cast(file);
  return Real(f)->xCheckReservedLock(f->real, out);
}

int FileControl(sqlite3_file* file, int op, void* arg) {
  BufferedFile* f = Cast(file);
  const int rc = Flush(f);
  if (rc != SQLITE_OK) return rc;
  return Real(f)->xFileControl(f->real, op, arg);
}

int SectorSize(sqlite3_file* file) {
  BufferedFile* f = Cast(file);
  return Real(f)->xSectorSize(f->real);
}

int DeviceCharacteristics(sqlite3_file* file) {
  BufferedFile* f = Cast(file);
  return Real(f)->xDeviceCharacteristics(f->real);
}

int ShmMap(sqlite3_file* file, int region, int size, int extend,
           void volatile** out) {
  BufferedFile* f = Cast(file);
  return Real(f)->xShmMap(f->real, region, size, extend, out);
}

int ShmLock(sqlite3_file* file, int offset, int n, int flags) {
  BufferedFile* f = Cast(file);
  return Real(f)->xShmLock(f->real, offset, n, flags);
}

void ShmBarrier(sqlite3_file* file) {
  BufferedFile* f = Cast(file);
  Real(f)->xShmBarrier(f->real);
}

int ShmUnmap(sqlite3_file* file, int delete_flag) {
  BufferedFile* f = Cast(file);
  return Real(f)->xShmUnmap(f->real, delete_flag);
}

int Fetch(sqlite3_file* file, sqlite3_int64 offset, int amount, void** out) {
  BufferedFile* f = Cast(file);
  return Real(f)->xFetch(f->real, offset, amount, out);
}

int Unfetch(sqlite3_file* file, sqlite3_int64 offset, void* page) {
  BufferedFile* f = Cast(file);
  return Real(f)->xUnfetch(f->real, offset, page);
}

// One table per interface version, so that SQLite sees of each file the
// version the default VFS gave it (it calls the shared-memory and mmap
// methods only when the version has them).
constexpr sqlite3_io_methods MakeMethods(int version) {
  return sqlite3_io_methods{version,
                            Close,
                            Read,
                            Write,
                            Truncate,
                            Sync,
                            FileSize,
                            Lock,
                            Unlock,
                            CheckReservedLock,
                            FileControl,
                            SectorSize,
                            DeviceCharacteristics,
                            ShmMap,
                            ShmLock,
                            ShmBarrier,
                            ShmUnmap,
                            Fetch,
                            Unfetch};
}
constexpr sqlite3_io_methods kMethods[] = {MakeMethods(1), MakeMethods(2),
                                           MakeMethods(3)};

// --- sqlite3_vfs ---

int Open(sqlite3_vfs* /*vfs*/, const char* name, sqlite3_file* file, int flags,
         int* out_flags) {
  BufferedFile* f = Cast(file);
  f->base.pMethods = nullptr;
  f->real =
      reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(f) + kRealOffset);
  f->buffer = nullptr;
  f->start = 0;
  f->used = 0;
  const int rc = real_vfs->xOpen(real_vfs, name, f->real, flags, out_flags);
  // SQLite calls xClose whenever pMethods is set, even after an error.
  if (f->real->pMethods == nullptr) return rc;
  const int version = std::clamp(f->real->pMethods->iVersion, 1, 3);
  f->base.pMethods = &kMethods[version - 1];
  if (rc == SQLITE_OK && (flags & SQLITE_OPEN_WAL) != 0) {
    // Without the memory the file is simply not buffered.
    f->buffer =
        static_cast<char*>(sqlite3_malloc64(WalWriteBufferVfs::kBufferBytes));
  }
  return rc;
}

int Delete(sqlite3_vfs*, const char* name, int sync_dir) {
  return real_vfs->xDelete(real_vfs, name, sync_dir);
}

int Access(sqlite3_vfs*, const char* name, int flags, int* out) {
  return real_vfs->xAccess(real_vfs, name, flags, out);
}

int FullPathname(sqlite3_vfs*, const char* name, int size, char* out) {
  return real_vfs->xFullPathname(real_vfs, name, size, out);
}

void* DlOpen(sqlite3_vfs*, const char* name) {
  return real_vfs->xDlOpen(real_vfs, name);
}

void DlError(sqlite3_vfs*, int size, char* out) {
  real_vfs->xDlError(real_vfs, size, out);
}

void (*DlSym(sqlite3_vfs*, void* handle, const char* symbol))(void) {
  return real_vfs->xDlSym(real_vfs, handle, symbol);
}

void DlClose(sqlite3_vfs*, void* handle) {
  real_vfs->xDlClose(real_vfs, handle);
}

int Randomness(sqlite3_vfs*, int size, char* out) {
  return real_vfs->xRandomness(real_vfs, size, out);
}

int Sleep(sqlite3_vfs*, int micros) {
  return real_vfs->xSleep(real_vfs, micros);
}

int CurrentTime(sqlite3_vfs*, double* out) {
  return real_vfs->xCurrentTime(real_vfs, out);
}

int GetLastError(sqlite3_vfs*, int size, char* out) {
  return real_vfs->xGetLastError(real_vfs, size, out);
}

int CurrentTimeInt64(sqlite3_vfs*, sqlite3_int64* out) {
  return real_vfs->xCurrentTimeInt64(real_vfs, out);
}

int SetSystemCall(sqlite3_vfs*, const char* name, sqlite3_syscall_ptr call) {
  return real_vfs->xSetSystemCall(real_vfs, name, call);
}

sqlite3_syscall_ptr GetSystemCall(sqlite3_vfs*, const char* name) {
  return real_vfs->xGetSystemCall(real_vfs, name);
}

const char* NextSystemCall(sqlite3_vfs*, const char* name) {
  return real_vfs->xNextSystemCall(real_vfs, name);
}

sqlite3_vfs vfs;

const char* Register() {
  sqlite3_initialize();
  real_vfs = sqlite3_vfs_find(nullptr);
  // Version 3 is what every VFS of SQLite 3.7.6 and later offers; an older
  // one is left alone.
  if (real_vfs == nullptr || real_vfs->iVersion < 3) return nullptr;
  vfs = sqlite3_vfs{};
  vfs.iVersion = 3;
  vfs.szOsFile = static_cast<int>(kRealOffset) + real_vfs->szOsFile;
  vfs.mxPathname = real_vfs->mxPathname;
  vfs.zName = kVfsName;
  vfs.xOpen = Open;
  vfs.xDelete = Delete;
  vfs.xAccess = Access;
  vfs.xFullPathname = FullPathname;
  vfs.xDlOpen = DlOpen;
  vfs.xDlError = DlError;
  vfs.xDlSym = DlSym;
  vfs.xDlClose = DlClose;
  vfs.xRandomness = Randomness;
  vfs.xSleep = Sleep;
  vfs.xCurrentTime = CurrentTime;
  vfs.xGetLastError = GetLastError;
  vfs.xCurrentTimeInt64 = CurrentTimeInt64;
  vfs.xSetSystemCall = SetSystemCall;
  vfs.xGetSystemCall = GetSystemCall;
  vfs.xNextSystemCall = NextSystemCall;
  if (sqlite3_vfs_register(&vfs, /*makeDflt=*/0) != SQLITE_OK) return nullptr;
  return kVfsName;
}

}  // namespace

const char* WalWriteBufferVfs::Name() {
  static const char* const name = Register();
  return name;
}

}  // namespace rehab::storage
