#pragma once
// The Asio pieces the app's event loop uses (io_context, timers, signals, work guards), included
// in one place: GCC's -Wnull-dereference fires inside Asio's own headers, so it is silenced for
// them here and stays on for our code.

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#pragma GCC diagnostic pop
