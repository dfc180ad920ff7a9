import PlugboardABI
import PlugboardManifest
import PlugboardRuntime
/// One record read from an inotify descriptor: `struct inotify_event` followed by its NUL-padded name.
///
/// Parsing is plain byte work with no Linux import, so it is tested on every platform.
package struct InotifyEvent: Sendable, Hashable {
    /// The watch the event is for (`-1` for a queue overflow).
    package var watchDescriptor: Int32
    /// The `IN_*` bits saying what happened.
    package var mask: UInt32
    /// Pairs an `IN_MOVED_FROM` with its `IN_MOVED_TO`.
    package var cookie: UInt32
    /// The entry's name inside the watched directory; empty for events about the directory itself.
    package var name: String

    package init(watchDescriptor: Int32, mask: UInt32, cookie: UInt32 = 0, name: String) {
        self.watchDescriptor = watchDescriptor
        self.mask = mask
        self.cookie = cookie
        self.name = name
    }

    /// The size of `struct inotify_event` before its name: `wd`, `mask`, `cookie` and `len`, four bytes each.
    package static let headerSize = 16

    /// The events in `bytes`, which one `read()` returned, in order.
    ///
    /// Each record is checked against the bytes actually read: parsing stops at the first record whose header or
    /// name would run past the end (the kernel never splits one, so that means a short or corrupt read) and
    /// `consumed` says how far it got.
    package static func parse(_ bytes: UnsafeRawBufferPointer) -> (events: [InotifyEvent], consumed: Int) {
        var events: [InotifyEvent] = []
        var offset = 0
        while bytes.count - offset >= headerSize {
            let watchDescriptor = bytes.loadUnaligned(fromByteOffset: offset, as: Int32.self)
            let mask = bytes.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self)
            let cookie = bytes.loadUnaligned(fromByteOffset: offset + 8, as: UInt32.self)
            let nameLength = Int(bytes.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self))
            let nameStart = offset + headerSize
            guard nameLength <= bytes.count - nameStart else { break }
            let nameBytes = UnsafeRawBufferPointer(rebasing: bytes[nameStart..<(nameStart + nameLength)])
            let name = String(decoding: nameBytes.prefix { $0 != 0 }, as: UTF8.self)
            events.append(InotifyEvent(watchDescriptor: watchDescriptor, mask: mask, cookie: cookie, name: name))
            offset = nameStart + nameLength
        }
        return (events, offset)
    }
}
