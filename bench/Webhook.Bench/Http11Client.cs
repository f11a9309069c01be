using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Webhook.Bench;

/// <summary>One request as the load generator sends it: a POST of a JSON body with the provider's headers.</summary>
public sealed record LoadRequest(string Path, byte[] Body, IReadOnlyList<KeyValuePair<string, string>> Headers);

/// <summary>
/// The load generator's HTTP/1.1 client: keep-alive connections to one server, each written and read on its socket by
/// the calling thread, which blocks until the whole response is read (one request at a time, no pipelining). It does
/// what the benchmark needs and nothing else (no redirects, no proxies, no TLS, no decompression), and it puts the
/// request on the wire in the writes <see cref="HttpClient"/> makes, so that the servers see what they saw from it.
/// What it saves is the generator's own CPU on the cores it shares with the system it measures: asynchronous
/// sockets wake a thread-pool worker for every response, and the worker spins for more work before it sleeps; a thread
/// blocked on its socket is woken once, by the kernel (docs/profiles.md, section 17).
/// </summary>
public sealed class Http11Client(Uri baseAddress) : IDisposable
{
    readonly EndPoint _endpoint = new IPEndPoint(IPAddress.Parse(baseAddress.Host), baseAddress.Port);
    readonly byte[] _host = Encoding.ASCII.GetBytes(baseAddress.Authority);
    readonly ConcurrentStack<Connection> _idle = new();
    readonly ConcurrentDictionary<Connection, byte> _all = new();

    /// <summary>What <see cref="HttpClient"/> would have waited for before it gave up: the answer is then "no answer".</summary>
    static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    /// <summary>Sends the request and returns the response's status code, or 0 when no answer came. Blocks the calling thread.</summary>
    public int Send(LoadRequest request)
    {
        if (!_idle.TryPop(out var connection))
        {
            connection = new Connection(_endpoint, _host);
            _all[connection] = 0;
        }
        try
        {
            var status = connection.Exchange(request);
            if (connection.Reusable)
            {
                _idle.Push(connection);
            }
            else
            {
                _all.TryRemove(connection, out _);
                connection.Dispose();
            }
            return status;
        }
        catch (Exception ex) when (ex is SocketException or IOException or InvalidDataException or ObjectDisposedException)
        {
            _all.TryRemove(connection, out _);
            connection.Dispose();
            return 0;
        }
    }

    public void Dispose()
    {
        foreach (var connection in _all.Keys)
            connection.Dispose();
        _all.Clear();
        _idle.Clear();
    }

    sealed class Connection(EndPoint endpoint, byte[] host) : IDisposable
    {
        static ReadOnlySpan<byte> HeaderEnd => "\r\n\r\n"u8;
        static ReadOnlySpan<byte> LineEnd => "\r\n"u8;

        /// <summary>
        /// <see cref="HttpClient"/>'s write buffer: the head and as much of the body as fits in it go in one send, the
        /// rest of a larger body in a send of its own.
        /// </summary>
        const int OneWriteUpTo = 4096;

        readonly Socket _socket = new(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp)
        {
            NoDelay = true,
            SendTimeout = (int)Timeout.TotalMilliseconds,
            ReceiveTimeout = (int)Timeout.TotalMilliseconds,
        };
        readonly byte[] _in = new byte[16 * 1024];
        byte[] _out = new byte[4 * 1024];
        int _start;
        int _end;
        bool _connected;

        /// <summary>False once the server said it closes the connection after this response.</summary>
        public bool Reusable { get; private set; } = true;

        public int Exchange(LoadRequest request)
        {
            if (!_connected)
            {
                _socket.Connect(endpoint);
                _connected = true;
            }
            var head = WriteHead(request);
            var first = Math.Clamp(OneWriteUpTo - head, 0, request.Body.Length);
            request.Body.AsSpan(0, first).CopyTo(_out.AsSpan(head));
            SendAll(_out.AsSpan(0, head + first));
            if (first < request.Body.Length)
                SendAll(request.Body.AsSpan(first));
            return ReadResponse();
        }

        void SendAll(ReadOnlySpan<byte> bytes)
        {
            while (!bytes.IsEmpty)
                bytes = bytes[_socket.Send(bytes)..];
        }

        /// <summary>The request line and the headers, in <see cref="_out"/>, with room for a body that fits in one write.</summary>
        int WriteHead(LoadRequest request)
        {
            var headers = 128 + request.Path.Length + request.Headers.Sum(h => h.Key.Length + h.Value.Length + 4);
            if (_out.Length < headers + OneWriteUpTo)
                _out = new byte[headers + OneWriteUpTo];
            var span = _out.AsSpan();
            var at = 0;
            Put(span, ref at, "POST "u8);
            PutAscii(span, ref at, request.Path);
            Put(span, ref at, " HTTP/1.1\r\nHost: "u8);
            Put(span, ref at, host);
            Put(span, ref at, "\r\nContent-Type: application/json\r\nContent-Length: "u8);
            request.Body.Length.TryFormat(span[at..], out var digits, default, CultureInfo.InvariantCulture);
            at += digits;
            foreach (var (name, value) in request.Headers)
            {
                Put(span, ref at, LineEnd);
                PutAscii(span, ref at, name);
                Put(span, ref at, ": "u8);
                PutAscii(span, ref at, value);
            }
            Put(span, ref at, HeaderEnd);
            return at;
        }

        static void Put(Span<byte> to, ref int at, ReadOnlySpan<byte> bytes)
        {
            bytes.CopyTo(to[at..]);
            at += bytes.Length;
        }

        static void PutAscii(Span<byte> to, ref int at, string text) => at += Encoding.ASCII.GetBytes(text, to[at..]);

        int ReadResponse()
        {
            int headEnd;
            while ((headEnd = _in.AsSpan(_start, _end - _start).IndexOf(HeaderEnd)) < 0)
                Fill();
            var (status, contentLength, chunked, close) = ParseHead(_in.AsSpan(_start, headEnd + LineEnd.Length));
            _start += headEnd + HeaderEnd.Length;
            if (chunked)
                SkipChunked();
            else
                Skip(contentLength);
            Reusable = !close;
            return status;
        }

        /// <summary>The status line and the headers that say where the response ends, each line ending in CRLF.</summary>
        static (int Status, long ContentLength, bool Chunked, bool Close) ParseHead(ReadOnlySpan<byte> head)
        {
            var line = head[..head.IndexOf(LineEnd)];
            if (line.Length < 12 || !line.StartsWith("HTTP/1."u8) || line[8] != (byte)' '
                || !int.TryParse(line.Slice(9, 3), NumberStyles.None, CultureInfo.InvariantCulture, out var status))
                throw new InvalidDataException($"Not an HTTP/1.x status line: {Encoding.ASCII.GetString(line)}");
            long contentLength = 0;
            bool chunked = false, close = false;
            for (var rest = head[(line.Length + LineEnd.Length)..]; !rest.IsEmpty;)
            {
                var end = rest.IndexOf(LineEnd);
                var header = rest[..end];
                rest = rest[(end + LineEnd.Length)..];
                var colon = header.IndexOf((byte)':');
                if (colon < 0)
                    continue;
                var name = header[..colon];
                var value = header[(colon + 1)..].Trim((byte)' ');
                if (Ascii.EqualsIgnoreCase(name, "Content-Length"u8))
                {
                    if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out contentLength))
                        throw new InvalidDataException("A Content-Length that is not a number");
                }
                else if (Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8))
                {
                    chunked = value.Length >= 7 && Ascii.EqualsIgnoreCase(value[^7..], "chunked"u8);
                }
                else if (Ascii.EqualsIgnoreCase(name, "Connection"u8))
                {
                    close = Ascii.EqualsIgnoreCase(value, "close"u8);
                }
            }
            return (status, contentLength, chunked, close);
        }

        void SkipChunked()
        {
            while (true)
            {
                var size = ChunkSize(ReadLine());
                if (size == 0)
                {
                    // Trailers, if any, up to the empty line that ends the response.
                    while (!ReadLine().IsEmpty)
                    {
                    }
                    return;
                }
                Skip(size);
                if (!ReadLine().IsEmpty)
                    throw new InvalidDataException("A chunk longer than its size");
            }
        }

        static long ChunkSize(ReadOnlySpan<byte> span)
        {
            var extension = span.IndexOf((byte)';');
            if (!long.TryParse(extension < 0 ? span : span[..extension], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var size))
                throw new InvalidDataException("A chunk size that is not a hexadecimal number");
            return size;
        }

        /// <summary>The next line without its CRLF, consumed; valid until the next read.</summary>
        ReadOnlySpan<byte> ReadLine()
        {
            int end;
            while ((end = _in.AsSpan(_start, _end - _start).IndexOf(LineEnd)) < 0)
                Fill();
            var line = _in.AsSpan(_start, end);
            _start += end + LineEnd.Length;
            return line;
        }

        void Skip(long count)
        {
            while (count > 0)
            {
                if (_start == _end)
                    Fill();
                var take = (int)Math.Min(count, _end - _start);
                _start += take;
                count -= take;
            }
        }

        /// <summary>Reads more of the response after what is buffered; what was consumed before makes room first.</summary>
        void Fill()
        {
            if (_start == _end)
            {
                _start = _end = 0;
            }
            else if (_end == _in.Length)
            {
                if (_start == 0)
                    throw new InvalidDataException($"A response line or head longer than {_in.Length} bytes");
                Buffer.BlockCopy(_in, _start, _in, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            var read = _socket.Receive(_in.AsSpan(_end));
            if (read == 0)
                throw new IOException("The server closed the connection before the whole response");
            _end += read;
        }

        public void Dispose() => _socket.Dispose();
    }
}
