#pragma once
// A scratch directory for one test's captures and logs, removed afterwards unless SNIFF_KEEP is set
// (then the test says where it is, to look at the capture with tshark).

#include "support/process.hpp"

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>

namespace sniff::protocols {

class Scratch {
public:
    explicit Scratch(const std::string& name) : m_path(test::scratch_dir("protocols-" + name)) {}
    ~Scratch() {
        if (std::getenv("SNIFF_KEEP") != nullptr)
            std::cerr << "kept " << m_path << "\n";
        else
            std::filesystem::remove_all(m_path);
    }
    Scratch(const Scratch&) = delete;
    Scratch& operator=(const Scratch&) = delete;
    const std::filesystem::path& path() const { return m_path; }

private:
    std::filesystem::path m_path;
};

} // namespace sniff::protocols
