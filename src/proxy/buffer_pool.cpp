#include "proxy/buffer_pool.hpp"

namespace sniff::proxy {

BufferPool::BufferPool(std::size_t buffer_size, std::size_t keep_free)
    : m_buffer_size(buffer_size), m_keep_free(keep_free) {
    m_free.reserve(keep_free);
}

BufferPool::Lease BufferPool::take() {
    if (!m_free.empty()) {
        auto bytes = std::move(m_free.back());
        m_free.pop_back();
        return Lease(this, std::move(bytes));
    }
    ++m_allocated;
    // Uninitialised: a read touches only the pages it fills, so a large buffer that mostly
    // carries small messages costs little resident memory.
    return Lease(this, std::make_unique_for_overwrite<std::byte[]>(m_buffer_size));
}

void BufferPool::release_free() {
    m_allocated -= m_free.size();
    m_free.clear();
}

void BufferPool::give_back(std::unique_ptr<std::byte[]> bytes) {
    if (m_free.size() < m_keep_free) {
        m_free.push_back(std::move(bytes));
        return;
    }
    --m_allocated; // freed as bytes goes out of scope
}

void BufferPool::Lease::reset() {
    if (m_bytes && m_pool != nullptr)
        m_pool->give_back(std::move(m_bytes));
    m_bytes.reset();
    m_pool = nullptr;
}

} // namespace sniff::proxy
