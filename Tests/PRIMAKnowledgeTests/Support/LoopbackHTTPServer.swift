import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A scripted HTTP/1.1 server on 127.0.0.1 for the client tests: the n-th connection gets the n-th reply (after
/// its delay, each connection on its own thread), then the connection closes. It serves at most `replies.count`
/// connections, gives up when no client comes within `idleTimeout` (generous: while other suites hold the test
/// threads, a client may start minutes after its server), and then closes its socket: it always stops by itself.
final class LoopbackHTTPServer: @unchecked Sendable {
    /// One scripted answer.
    struct Reply: Sendable {
        var status: Int
        var headers: [String: String] = [:]
        var body: String
        /// Seconds to wait before answering (to provoke client timeouts).
        var delay: Double = 0
    }

    /// What a client sent.
    struct Request: Sendable {
        let requestLine: String
        let headers: [String: String]   // names lower-cased
        let body: Data
    }

    let port: Int
    private let socket: Int32
    private let lock = NSLock()
    private var recorded: [Request] = []
    private let finished = DispatchSemaphore(value: 0)

    /// Starts listening at once; the replies are served on a background thread.
    init(replies: [Reply], idleTimeout: Double = 600) throws {
        socket = try Self.listeningSocket()
        port = try Self.boundPort(socket)
        let thread = Thread { [self] in serve(replies, idleTimeout: idleTimeout) }
        thread.start()
    }

    /// `http://127.0.0.1:<port>/v1`.
    var baseURL: URL { URL(string: "http://127.0.0.1:\(port)/v1")! }

    /// The requests received so far.
    var requests: [Request] { lock.withLock { recorded } }

    /// Waits (bounded) until every reply was served or the server gave up.
    func waitUntilDone(seconds: Double = 60) { _ = finished.wait(timeout: .now() + seconds) }

    /// A port on 127.0.0.1 where nothing listens (bound, then closed).
    static func closedPort() throws -> Int {
        let fd = try listeningSocket()
        defer { close(fd) }
        return try boundPort(fd)
    }

    // MARK: - Serving

    private func serve(_ replies: [Reply], idleTimeout: Double) {
        // Each connection is answered on its own thread, so that a slow reply does not hold back the next one.
        let connections = DispatchGroup()
        defer { close(socket); connections.wait(); finished.signal() }
        for reply in replies {
            var poller = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, Int32(idleTimeout * 1000)) > 0 else { return }
            let client = accept(socket, nil, nil)
            guard client >= 0 else { return }
            connections.enter()
            Thread { [self] in
                answer(client, with: reply)
                connections.leave()
            }.start()
        }
    }

    private func answer(_ client: Int32, with reply: Reply) {
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        if let request = readRequest(client) { lock.withLock { recorded.append(request) } }
        if reply.delay > 0 { Thread.sleep(forTimeInterval: reply.delay) }
        write(reply, to: client)
        close(client)
    }

    private func readRequest(_ client: Int32) -> Request? {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 4096)
        let separator = Data("\r\n\r\n".utf8)
        var headerEnd: Range<Data.Index>?
        while headerEnd == nil, data.count < 1 << 20 {
            let n = recv(client, &buffer, buffer.count, 0)
            guard n > 0 else { return nil }
            data.append(buffer, count: n)
            headerEnd = data.range(of: separator)
        }
        guard let end = headerEnd else { return nil }
        let lines = String(decoding: data[..<end.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        if headers["expect"]?.lowercased() == "100-continue" { sendAll(client, Data("HTTP/1.1 100 Continue\r\n\r\n".utf8)) }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        var body = Data(data[end.upperBound...])
        while body.count < length {
            let n = recv(client, &buffer, min(buffer.count, length - body.count), 0)
            guard n > 0 else { break }
            body.append(buffer, count: n)
        }
        return Request(requestLine: lines.first ?? "", headers: headers, body: body)
    }

    private func write(_ reply: Reply, to client: Int32) {
        let body = Data(reply.body.utf8)
        var head = "HTTP/1.1 \(reply.status) Scripted\r\nContent-Length: \(body.count)\r\nConnection: close\r\n"
        if reply.headers["Content-Type"] == nil { head += "Content-Type: application/json\r\n" }
        for (name, value) in reply.headers { head += "\(name): \(value)\r\n" }
        sendAll(client, Data((head + "\r\n").utf8) + body)
    }

    private func sendAll(_ client: Int32, _ data: Data) {
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                // MSG_NOSIGNAL: a client that already gave up must not kill the test process with SIGPIPE.
                let n = send(client, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if n <= 0 { return }
                offset += n
            }
        }
    }

    // MARK: - Sockets

    private static func listeningSocket() throws -> Int32 {
        #if canImport(Glibc)
        let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = Darwin.socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else { close(fd); throw POSIXError(.EADDRINUSE) }
        return fd
    }

    private static func boundPort(_ fd: Int32) throws -> Int {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard ok == 0 else { throw POSIXError(.EIO) }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
