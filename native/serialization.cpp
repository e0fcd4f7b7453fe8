// Serialization support: moving storage bytes between files and tensors
// without a detour through JS memory. torch.load reads each storage once,
// straight from the file into a fresh tensor's memory (readFileInto);
// torch.save writes each storage once, straight from its memory into the file
// (writeStorage), computing the zip CRC-32 on the way. The zip and pickle
// logic lives in lib/serialization/.
#include <ATen/ATen.h>
#include <c10/core/CPUAllocator.h>
#include <c10/core/StorageImpl.h>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <string>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "errors.h"
#include "instance.h"

namespace tn {
namespace {

// ---- CRC-32 (zip's polynomial 0xEDB88320), slicing by 8 -----------------------

struct Crc32Tables {
  uint32_t t[8][256];
  Crc32Tables() {
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (0xEDB88320u ^ (c >> 1)) : (c >> 1);
      t[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; ++i) {
      for (int s = 1; s < 8; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xFF];
    }
  }
};
const Crc32Tables& crc_tables() {
  static const Crc32Tables tables;
  return tables;
}

uint32_t crc32_sliced(uint32_t crc, const uint8_t* p, size_t n) {
  const auto& T = crc_tables().t;
  crc = ~crc;
  while (n >= 8) {
    uint32_t lo = (static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 | static_cast<uint32_t>(p[2]) << 16 |
                   static_cast<uint32_t>(p[3]) << 24) ^ crc;
    uint32_t hi = static_cast<uint32_t>(p[4]) | static_cast<uint32_t>(p[5]) << 8 | static_cast<uint32_t>(p[6]) << 16 |
                  static_cast<uint32_t>(p[7]) << 24;
    crc = T[7][lo & 0xFF] ^ T[6][(lo >> 8) & 0xFF] ^ T[5][(lo >> 16) & 0xFF] ^ T[4][lo >> 24] ^ T[3][hi & 0xFF] ^
          T[2][(hi >> 8) & 0xFF] ^ T[1][(hi >> 16) & 0xFF] ^ T[0][hi >> 24];
    p += 8;
    n -= 8;
  }
  while (n--) crc = T[0][(crc ^ *p++) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

// Node links zlib (with SIMD CRC code) and exports its symbols to addons: 2.6 GB/s here
// against 1.75 GB/s for the slicing above, 90 ms of a 481 MiB save. Looked up at run
// time, so that a host without it still loads us, and checked on a known input first.
using ZlibCrc32 = unsigned long (*)(unsigned long crc, const unsigned char* buf, size_t len);
ZlibCrc32 host_crc32() {
  static const ZlibCrc32 fn = []() -> ZlibCrc32 {
    auto f = reinterpret_cast<ZlibCrc32>(dlsym(RTLD_DEFAULT, "crc32_z"));
    static const unsigned char probe[] = "123456789";
    if (f == nullptr || f(0, probe, 9) != 0xCBF43926ul) return nullptr;
    return f;
  }();
  return fn;
}

uint32_t crc32_update(uint32_t crc, const uint8_t* p, size_t n) {
  if (ZlibCrc32 f = host_crc32()) return static_cast<uint32_t>(f(crc, p, n));
  return crc32_sliced(crc, p, n);
}

// ---- argument helpers ------------------------------------------------------------

int64_t int_arg(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* what) {
  if (!info[i].IsNumber()) throw UserError(std::string(fn) + "(): " + what + " must be a non-negative integer, got " + js_type_name(info[i]));
  double d = info[i].As<Napi::Number>().DoubleValue();
  if (!(d >= 0) || d > 9007199254740991.0 || d != static_cast<double>(static_cast<int64_t>(d))) {
    throw UserError(std::string(fn) + "(): " + what + " must be a non-negative integer, got " + std::to_string(d));
  }
  return static_cast<int64_t>(d);
}

int fd_arg(const Napi::CallbackInfo& info, size_t i, const char* fn) {
  int64_t fd = int_arg(info, i, fn, "fd");
  if (fd > 0x7FFFFFFF) throw UserError(std::string(fn) + "(): bad file descriptor");
  return static_cast<int>(fd);
}

void pread_all(int fd, uint8_t* dst, int64_t nbytes, int64_t offset) {
  int64_t done = 0;
  while (done < nbytes) {
    size_t chunk = static_cast<size_t>(std::min<int64_t>(nbytes - done, int64_t{1} << 30));
    ssize_t r = ::pread(fd, dst + done, chunk, static_cast<off_t>(offset + done));
    if (r < 0) {
      if (errno == EINTR) continue;
      throw UserError(std::string("read failed at offset ") + std::to_string(offset + done) + ": " + std::strerror(errno));
    }
    if (r == 0) {
      throw UserError("unexpected end of file: the file is truncated (wanted " + std::to_string(nbytes) + " bytes at offset " +
                      std::to_string(offset) + ", the file ends after " + std::to_string(done) + " of them)");
    }
    done += r;
  }
}

void pwrite_all(int fd, const uint8_t* src, int64_t nbytes, int64_t offset) {
  int64_t done = 0;
  while (done < nbytes) {
    size_t chunk = static_cast<size_t>(std::min<int64_t>(nbytes - done, int64_t{1} << 30));
    ssize_t r = ::pwrite(fd, src + done, chunk, static_cast<off_t>(offset + done));
    if (r < 0) {
      if (errno == EINTR) continue;
      throw UserError(std::string("write failed at offset ") + std::to_string(offset + done) + ": " + std::strerror(errno));
    }
    if (r == 0) throw UserError("write failed: no progress (disk full?)");
    done += r;
  }
}

void byteswap_inplace(uint8_t* p, int64_t nbytes, int64_t unit) {
  if (unit <= 1) return;
  for (int64_t i = 0; i + unit <= nbytes; i += unit) {
    for (int64_t a = 0, b = unit - 1; a < b; ++a, --b) std::swap(p[i + a], p[i + b]);
  }
}

// The whole storage behind t as a CPU byte tensor (t's own memory when t is on the CPU).
at::Tensor storage_as_cpu_bytes(const at::Tensor& t) {
  if (!t.defined() || !t.has_storage()) throw UserError("this tensor has no storage (sparse, meta or a wrapper tensor): it cannot be saved");
  const c10::Storage& s = t.storage();
  int64_t nbytes = static_cast<int64_t>(s.nbytes());
  at::Tensor bytes = at::empty({0}, t.options().dtype(at::kByte)).set_(s, 0, {nbytes}, {1});
  if (!bytes.device().is_cpu()) bytes = bytes.to(at::kCPU);
  return bytes;
}

// ---- memory for a storage about to be filled from a file ----------------------------
//
// A checkpoint load writes every byte of each new storage once. Fresh anonymous memory
// costs one page fault per 4 KiB page on first write: ~125k faults for 500 MB, a large
// part of the load's system time. So a storage of 1 MiB or more gets its own mapping,
// made with MAP_POPULATE: the kernel allocates and zeroes all its pages in the mmap
// call, without a trap per page (a 481 MiB state_dict: 292-305 ms against 331-437 ms
// faulting page by page, same machine, interleaved runs).
//
// With THP_MEM_ALLOC_ENABLE=1 in the environment (PyTorch 2.x's switch for the same
// thing in its CPU allocator, off by default there too), storages of 2 MiB and more
// are aligned to 2 MiB and marked MADV_HUGEPAGE instead, so the kernel backs each
// aligned 2 MiB with one transparent huge page when THP is in 'madvise' or 'always'
// mode. It is opt-in because it is not a win everywhere: measured on a Firecracker VM
// with free page reporting, filling 448 MiB took 88 ms of CPU with huge pages the
// guest had touched recently but 1.5 s with huge pages the host had taken back (4 KiB
// pages: 270 ms). Only the 2 MiB ranges the data fills completely can become huge
// pages (the mapping ends at the data's last 4 KiB page), so resident memory stays
// what the data needs.
//
// Either way the storage stays resizable: it keeps the CPU allocator, which a later
// resize_ allocates from; the mapping is unmapped when the storage lets go of it.

constexpr int64_t kHugePage = int64_t{2} << 20;
constexpr int64_t kPopulateFrom = int64_t{1} << 20;

struct Mapping {
  void* base;
  size_t length;
};

void unmap_storage(void* ctx) {
  auto* m = static_cast<Mapping*>(ctx);
  ::munmap(m->base, m->length);
  delete m;
}

size_t page_rounded(int64_t nbytes) {
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  return (static_cast<size_t>(nbytes) + page - 1) / page * page;
}

// A 2 MiB-aligned, MADV_HUGEPAGE mapping of at least nbytes, or nullptr when mmap refuses.
Mapping* map_huge(int64_t nbytes) {
  const size_t length = page_rounded(nbytes);
  const size_t reserve = length + static_cast<size_t>(kHugePage);
  void* raw = ::mmap(nullptr, reserve, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return nullptr;
  // Trim the unaligned head and the unused tail of the reservation.
  auto start = reinterpret_cast<uintptr_t>(raw);
  uintptr_t aligned = (start + kHugePage - 1) & ~static_cast<uintptr_t>(kHugePage - 1);
  if (aligned > start) ::munmap(raw, aligned - start);
  uintptr_t end = aligned + length;
  uintptr_t reserved_end = start + reserve;
  if (reserved_end > end) ::munmap(reinterpret_cast<void*>(end), reserved_end - end);
#ifdef MADV_HUGEPAGE
  // A hint: EINVAL (a kernel without THP) leaves ordinary pages, which is still correct.
  ::madvise(reinterpret_cast<void*>(aligned), length, MADV_HUGEPAGE);
#endif
  return new Mapping{reinterpret_cast<void*>(aligned), length};
}

// A mapping of at least nbytes whose pages are already there, or nullptr when mmap refuses.
// (Linux only: elsewhere the CPU allocator's memory is used, faulted in page by page.)
Mapping* map_populated(int64_t nbytes) {
#ifdef MAP_POPULATE
  const size_t length = page_rounded(nbytes);
  // MAP_POPULATE is best effort: pages it could not get are faulted in on first write, as usual.
  void* raw = ::mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  if (raw == MAP_FAILED) return nullptr;
  return new Mapping{raw, length};
#else
  (void)nbytes;
  return nullptr;
#endif
}

bool huge_pages_requested() {
  static const bool on = [] {
    const char* v = std::getenv("THP_MEM_ALLOC_ENABLE");
    return v != nullptr && std::atoi(v) != 0;
  }();
  return on;
}

// An uninitialized 1-D CPU tensor of numel elements, about to be overwritten completely.
at::Tensor empty_for_fill(int64_t numel, c10::ScalarType dtype, bool huge_pages) {
  int64_t nbytes = numel * static_cast<int64_t>(c10::elementSize(dtype));
  Mapping* m = nullptr;
  if (huge_pages && nbytes >= kHugePage) m = map_huge(nbytes);
  else if (nbytes >= kPopulateFrom) m = map_populated(nbytes);
  if (!m) return at::empty({numel}, at::TensorOptions().dtype(dtype));
  c10::DataPtr data(m->base, m, &unmap_storage, c10::Device(c10::DeviceType::CPU));
  // (use_byte_size_t, size, DataPtr, Allocator*, resizable): the same in libtorch 1.13
  // and 2.x (where the size is a SymInt, built implicitly from the int64_t).
  auto impl = c10::make_intrusive<c10::StorageImpl>(c10::StorageImpl::use_byte_size_t(), nbytes, std::move(data),
                                                    c10::GetCPUAllocator(), /*resizable=*/true);
  return at::empty({0}, at::TensorOptions().dtype(dtype)).set_(c10::Storage(std::move(impl)), 0, {numel}, {1});
}

}  // namespace

// readFileInto(fd, offset, nbytes, dtype, hugePages?) -> handle of a new 1-D tensor of nbytes/itemsize
// elements whose memory is filled by pread from the file: the bytes are read once, into the storage.
// hugePages (default: THP_MEM_ALLOC_ENABLE=1 in the environment) asks for transparent huge pages.
TN_ENTRY(readFileInto) {
  Napi::Env env = info.Env();
  int fd = fd_arg(info, 0, "readFileInto");
  int64_t offset = int_arg(info, 1, "readFileInto", "offset");
  int64_t nbytes = int_arg(info, 2, "readFileInto", "nbytes");
  if (!info[3].IsString()) throw UserError("readFileInto(): dtype must be a string");
  c10::ScalarType dtype = scalar_type_from_name(info[3].As<Napi::String>().Utf8Value());
  int64_t itemsize = static_cast<int64_t>(c10::elementSize(dtype));
  if (nbytes % itemsize != 0) {
    throw UserError("readFileInto(): " + std::to_string(nbytes) + " bytes is not a whole number of " + scalar_type_name(dtype) + " elements");
  }
  // Refuse sizes the file cannot hold before allocating anything.
  struct stat st;
  int64_t end = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? static_cast<int64_t>(st.st_size) : -1;
  if (end >= 0 && offset + nbytes > end) {
    throw UserError("unexpected end of file: the file is truncated (wanted " + std::to_string(nbytes) + " bytes at offset " +
                    std::to_string(offset) + ", the file has " + std::to_string(end) + ")");
  }
  bool huge_pages = info[4].IsBoolean() ? info[4].As<Napi::Boolean>().Value() : huge_pages_requested();
  at::Tensor t = empty_for_fill(nbytes / itemsize, dtype, huge_pages);
  if (nbytes) pread_all(fd, static_cast<uint8_t*>(t.data_ptr()), nbytes, offset);
  return tensor_to_js(env, instance(env), std::move(t));
}

// ---- torch.load(f, {mmap: true}) ----------------------------------------------------
//
// As PyTorch 2.1's mmap=True: the file is mapped copy-on-write (MAP_PRIVATE), and each
// storage points into the mapping, so nothing is read up front; pages come in from the
// page cache when first touched and are shared with it until written (a write copies the
// page; the file never changes). Each storage holds a reference to the mapping, which is
// unmapped when the last of them goes.

// mapFile(fd, size) -> handle of a uint8 tensor over the whole file, mapped copy-on-write.
TN_ENTRY(mapFile) {
  Napi::Env env = info.Env();
  int fd = fd_arg(info, 0, "mapFile");
  int64_t size = int_arg(info, 1, "mapFile", "size");
  if (size <= 0) throw UserError("mapFile(): the file is empty");
  void* p = ::mmap(nullptr, static_cast<size_t>(size), PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  if (p == MAP_FAILED) throw UserError(std::string("mmap of the checkpoint failed: ") + std::strerror(errno));
  auto* m = new Mapping{p, static_cast<size_t>(size)};
  c10::DataPtr data(p, m, &unmap_storage, c10::Device(c10::DeviceType::CPU));
  auto impl = c10::make_intrusive<c10::StorageImpl>(c10::StorageImpl::use_byte_size_t(), size, std::move(data),
                                                    /*allocator=*/nullptr, /*resizable=*/false);
  at::Tensor whole = at::empty({0}, at::TensorOptions().dtype(at::kByte)).set_(c10::Storage(std::move(impl)), 0, {size}, {1});
  return tensor_to_js(env, instance(env), std::move(whole));
}

namespace {
// What a storage inside a mapping holds on to: the mapping's own storage.
struct MappedSlice {
  c10::Storage mapping;
};
void release_slice(void* ctx) { delete static_cast<MappedSlice*>(ctx); }
}  // namespace

// mappedStorage(mapping, offset, nbytes, dtype) -> handle of a new 1-D tensor whose own storage
// is those bytes of the mapping (offset a multiple of the dtype's size).
TN_ENTRY(mappedStorage) {
  Napi::Env env = info.Env();
  Instance& inst = instance(env);
  const at::Tensor& whole = tensor_from_js(inst, info[0], "mapping");
  int64_t offset = int_arg(info, 1, "mappedStorage", "offset");
  int64_t nbytes = int_arg(info, 2, "mappedStorage", "nbytes");
  if (!info[3].IsString()) throw UserError("mappedStorage(): dtype must be a string");
  c10::ScalarType dtype = scalar_type_from_name(info[3].As<Napi::String>().Utf8Value());
  int64_t itemsize = static_cast<int64_t>(c10::elementSize(dtype));
  int64_t size = static_cast<int64_t>(whole.storage().nbytes());
  if (whole.scalar_type() != at::kByte || offset < 0 || nbytes < 0 || offset + nbytes > size) {
    throw UserError("mappedStorage(): bytes " + std::to_string(offset) + ".." + std::to_string(offset + nbytes) +
                    " are outside the mapping (" + std::to_string(size) + " bytes)");
  }
  if (nbytes % itemsize != 0 || offset % itemsize != 0) {
    throw UserError("mappedStorage(): " + std::to_string(nbytes) + " bytes at offset " + std::to_string(offset) +
                    " are not whole, aligned " + scalar_type_name(dtype) + " elements");
  }
  auto* base = static_cast<uint8_t*>(whole.storage().data_ptr().get());
  c10::DataPtr data(base + offset, new MappedSlice{whole.storage()}, &release_slice, c10::Device(c10::DeviceType::CPU));
  // Resizable as any loaded storage: a resize_ moves it to memory from the CPU allocator.
  auto impl = c10::make_intrusive<c10::StorageImpl>(c10::StorageImpl::use_byte_size_t(), nbytes, std::move(data),
                                                    c10::GetCPUAllocator(), /*resizable=*/true);
  at::Tensor t = at::empty({0}, at::TensorOptions().dtype(dtype)).set_(c10::Storage(std::move(impl)), 0, {nbytes / itemsize}, {1});
  return tensor_to_js(env, inst, std::move(t));
}

// byteswap_(t, unit): reverses each unit-byte group of a contiguous CPU tensor in place
// (files written on big-endian machines; complex numbers swap each half: unit = itemsize / 2).
TN_ENTRY(byteswap_) {
  at::Tensor t = tensor_from_js(instance(info.Env()), info[0], "self");
  int64_t unit = int_arg(info, 1, "byteswap_", "unit");
  if (!t.device().is_cpu() || !t.is_contiguous()) throw UserError("byteswap_(): expected a contiguous CPU tensor");
  byteswap_inplace(static_cast<uint8_t*>(t.data_ptr()), static_cast<int64_t>(t.nbytes()), unit);
  return info.Env().Undefined();
}

// storageInfo(t) -> [key, storageNbytes, storageOffset (elements), itemsize]. The key is the same
// number for every tensor that shares t's storage (views, tied weights) while they live.
TN_ENTRY(storageInfo) {
  Napi::Env env = info.Env();
  const at::Tensor& t = tensor_from_js(instance(env), info[0], "self");
  if (!t.defined() || !t.has_storage()) throw UserError("this tensor has no storage (sparse, meta or a wrapper tensor): it cannot be saved");
  const c10::Storage& s = t.storage();
  auto arr = Napi::Array::New(env, 4);
  arr.Set(0u, Napi::Number::New(env, static_cast<double>(reinterpret_cast<uintptr_t>(s.unsafeGetStorageImpl()))));
  arr.Set(1u, Napi::Number::New(env, static_cast<double>(s.nbytes())));
  arr.Set(2u, Napi::Number::New(env, static_cast<double>(t.storage_offset())));
  arr.Set(3u, Napi::Number::New(env, static_cast<double>(t.element_size())));
  return arr;
}

// writeStorage(fd, t, position) -> CRC-32 of the bytes written: t's whole storage, written
// from its own memory (copied to the CPU first when t lives elsewhere) at position.
TN_ENTRY(writeStorage) {
  Napi::Env env = info.Env();
  int fd = fd_arg(info, 0, "writeStorage");
  const at::Tensor& t = tensor_from_js(instance(env), info[1], "self");
  int64_t position = int_arg(info, 2, "writeStorage", "position");
  at::Tensor bytes = storage_as_cpu_bytes(t);
  int64_t nbytes = bytes.numel();
  const uint8_t* p = nbytes ? static_cast<const uint8_t*>(bytes.data_ptr()) : nullptr;
  uint32_t crc = 0;
  // Interleave CRC and write per chunk so each chunk is still in cache when written.
  constexpr int64_t kChunk = int64_t{4} << 20;
  for (int64_t off = 0; off < nbytes; off += kChunk) {
    int64_t n = std::min(kChunk, nbytes - off);
    crc = crc32_update(crc, p + off, static_cast<size_t>(n));
    pwrite_all(fd, p + off, n, position + off);
  }
  return Napi::Number::New(env, static_cast<double>(crc));
}

// storageBytes(t) -> ArrayBuffer: a copy of t's whole storage (for writing to streams).
TN_ENTRY(storageBytes) {
  Napi::Env env = info.Env();
  const at::Tensor& t = tensor_from_js(instance(env), info[0], "self");
  at::Tensor bytes = storage_as_cpu_bytes(t);
  auto ab = Napi::ArrayBuffer::New(env, static_cast<size_t>(bytes.numel()));
  if (bytes.numel()) std::memcpy(ab.Data(), bytes.data_ptr(), static_cast<size_t>(bytes.numel()));
  return ab;
}

// crc32(bytes, init = 0) -> number (for Node versions without zlib.crc32).
TN_ENTRY(crc32) {
  Napi::Env env = info.Env();
  if (!info[0].IsTypedArray()) throw UserError("crc32(): expected a Uint8Array or Buffer");
  auto ta = info[0].As<Napi::TypedArray>();
  uint32_t init = info[1].IsNumber() ? info[1].As<Napi::Number>().Uint32Value() : 0;
  const uint8_t* p = static_cast<const uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
  return Napi::Number::New(env, static_cast<double>(crc32_update(init, p, ta.ByteLength())));
}

// deferMemoryReports(true | false): brackets the creation of many tensors at once
// (a checkpoint load) so V8 hears about their bytes in one step at the end.
TN_ENTRY(deferMemoryReports) {
  HandleTable& h = instance(info.Env()).handles;
  if (info[0].IsBoolean() && info[0].As<Napi::Boolean>().Value()) h.defer_reporting();
  else h.resume_reporting();
  return info.Env().Undefined();
}

// externalMemory() -> bytes V8 has been told about through napi_adjust_external_memory
// (process.memoryUsage().external does not include them).
TN_ENTRY(externalMemory) {
  int64_t total = 0;
  napi_adjust_external_memory(info.Env(), 0, &total);
  return Napi::Number::New(info.Env(), static_cast<double>(total));
}

void register_serialization(Napi::Env env, Napi::Object exports) {
  exports.Set("externalMemory", Napi::Function::New(env, externalMemory, "externalMemory"));
  exports.Set("deferMemoryReports", Napi::Function::New(env, deferMemoryReports, "deferMemoryReports"));
  exports.Set("readFileInto", Napi::Function::New(env, readFileInto, "readFileInto"));
  exports.Set("mapFile", Napi::Function::New(env, mapFile, "mapFile"));
  exports.Set("mappedStorage", Napi::Function::New(env, mappedStorage, "mappedStorage"));
  exports.Set("byteswap_", Napi::Function::New(env, byteswap_, "byteswap_"));
  exports.Set("storageInfo", Napi::Function::New(env, storageInfo, "storageInfo"));
  exports.Set("writeStorage", Napi::Function::New(env, writeStorage, "writeStorage"));
  exports.Set("storageBytes", Napi::Function::New(env, storageBytes, "storageBytes"));
  exports.Set("crc32", Napi::Function::New(env, crc32, "crc32"));
}

}  // namespace tn
