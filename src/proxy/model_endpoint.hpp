#pragma once
// Asio's socket addresses as the model's endpoints: how the proxy and sniff replay name the
// sockets they open in flows and events.

#include "model/endpoint.hpp"
#include "proxy/asio_coroutines.hpp"

#include <cstdint>

namespace sniff::proxy {

inline model::Endpoint to_model(const asio::ip::address& address, std::uint16_t port) {
    model::Endpoint endpoint;
    endpoint.port = port;
    if (address.is_v4())
        endpoint.ip = model::IpAddress::v4(address.to_v4().to_uint());
    else
        endpoint.ip = model::IpAddress::v6(address.to_v6().to_bytes());
    return endpoint;
}

// A TCP or UDP endpoint.
template <typename Endpoint> model::Endpoint to_model(const Endpoint& endpoint) {
    return to_model(endpoint.address(), endpoint.port());
}

// A socket's own and its peer's address; an unset endpoint when the socket has none.
template <typename Socket> model::Endpoint local_of(const Socket& socket) {
    boost::system::error_code ignored;
    return to_model(socket.local_endpoint(ignored));
}
template <typename Socket> model::Endpoint remote_of(const Socket& socket) {
    boost::system::error_code ignored;
    return to_model(socket.remote_endpoint(ignored));
}

} // namespace sniff::proxy
