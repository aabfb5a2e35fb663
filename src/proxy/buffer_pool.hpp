#pragma once
// Read buffers shared by all of a proxy's connections. A pump takes one only while it has bytes
// to move (read, record, write out) and gives it back before it waits for the next read, so an
// idle connection holds no buffer at all, and a busy one reuses a buffer that is still in the
// cache. A few free buffers are kept for the next reads; the rest are freed. One thread only (the
// proxy's event loop).

#include <cstddef>
#include <memory>
#include <vector>

namespace sniff::proxy {

class BufferPool {
public:
    // buffer_size: bytes of every buffer; keep_free: buffers kept for reuse once given back.
    BufferPool(std::size_t buffer_size, std::size_t keep_free);
    BufferPool(const BufferPool&) = delete;
    BufferPool& operator=(const BufferPool&) = delete;

    // One buffer, given back to its pool when the lease ends (moved-from or reset: none).
    // A lease must not outlive its pool.
    class Lease {
    public:
        Lease() = default;
        Lease(Lease&& other) noexcept = default;
        Lease& operator=(Lease&& other) noexcept {
            reset();
            m_pool = other.m_pool;
            m_bytes = std::move(other.m_bytes);
            return *this;
        }
        ~Lease() { reset(); }

        std::byte* data() const { return m_bytes.get(); }
        explicit operator bool() const { return m_bytes != nullptr; }
        void reset();

    private:
        friend class BufferPool;
        Lease(BufferPool* pool, std::unique_ptr<std::byte[]> bytes)
            : m_pool(pool), m_bytes(std::move(bytes)) {}
        BufferPool* m_pool = nullptr;
        std::unique_ptr<std::byte[]> m_bytes;
    };

    Lease take();
    // Frees the buffers kept for reuse (the proxy went quiet: give the memory back).
    void release_free();
    std::size_t buffer_size() const { return m_buffer_size; }
    // Buffers allocated and not freed (leased + kept), for tests and the memory bound.
    std::size_t allocated() const { return m_allocated; }
    std::size_t leased() const { return m_allocated - m_free.size(); }

private:
    void give_back(std::unique_ptr<std::byte[]> bytes);

    std::size_t m_buffer_size;
    std::size_t m_keep_free;
    std::size_t m_allocated = 0;
    std::vector<std::unique_ptr<std::byte[]>> m_free;
};

} // namespace sniff::proxy
