#pragma once
// The Asio pieces sniff exec uses, included in one place: GCC's -Wnull-dereference fires inside
// Asio's own headers, so it is silenced for them here and stays on for our code (the idiom of
// app/event_loop.hpp).

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#pragma GCC diagnostic pop
