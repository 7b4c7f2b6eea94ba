// MidiFileError and the file-level entry points; the parser lives in
// smf_reader.cpp and the writer in smf_writer.cpp.
#include "core/midi/midi_file.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>

namespace clara {

MidiFileError::MidiFileError(std::size_t offset, const std::string& reason)
    : std::runtime_error("byte " + std::to_string(offset) + ": " + reason),
      offset_(offset),
      reason_(reason) {}

MidiFileError::MidiFileError(const std::string& source, const MidiFileError& inner)
    : std::runtime_error(source + ": " + inner.what()),
      offset_(inner.offset()),
      reason_(inner.reason()) {}

Score read_midi_file(const std::filesystem::path& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw std::runtime_error(path.string() + ": is a directory, not a MIDI file");
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw std::runtime_error(path.string() + ": cannot open: " + std::strerror(errno));
  const std::streamoff size = in.tellg();
  if (size < 0) throw std::runtime_error(path.string() + ": cannot tell the file size");
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(size));
  in.seekg(0);
  in.read(reinterpret_cast<char*>(bytes.data()), size);
  if (!in) throw std::runtime_error(path.string() + ": read error");
  try {
    return read_midi(bytes);
  } catch (const MidiFileError& e) {
    throw MidiFileError(path.string(), e);
  }
}

void write_midi_file(const std::filesystem::path& path, const Score& score,
                     const WriteOptions& options) {
  const std::vector<std::uint8_t> bytes = write_midi(score, options);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw std::runtime_error(path.string() + ": cannot create: " + std::strerror(errno));
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) throw std::runtime_error(path.string() + ": write error");
}

}  // namespace clara
