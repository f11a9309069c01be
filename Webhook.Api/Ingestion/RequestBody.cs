using System.Buffers;

namespace Webhook.Api.Ingestion;

/// <summary>How reading a request's body ended.</summary>
public enum BodyOutcome
{
    Read,
    TooLarge,
    Incomplete,

    /// <summary>The process holds as many body bytes as it may (<see cref="IntakeCapacity"/>).</summary>
    Busy,
}

/// <summary>
/// A request's body read into pooled memory that grows with the bytes that actually arrive, never with what
/// Content-Length announces: a client that declares a megabyte and trickles bytes holds a few kilobytes. Every byte
/// held is reserved from the process's <see cref="IntakeCapacity"/> and given back on dispose.
/// </summary>
public sealed class RequestBody : IDisposable
{
    const int FirstBuffer = 4096;
    readonly IntakeCapacity _capacity;
    byte[]? _buffer;
    int _usable;
    int _reserved;

    RequestBody(IntakeCapacity capacity) => _capacity = capacity;

    public BodyOutcome Outcome { get; private set; }

    public int Length { get; private set; }

    public ReadOnlyMemory<byte> Bytes => _buffer is null ? default : _buffer.AsMemory(0, Length);

    /// <summary>
    /// Reads at most <paramref name="maxBytes"/>: a larger body, whatever its Content-Length says or whether it is
    /// chunked, is refused without being buffered.
    /// </summary>
    public static async Task<RequestBody> ReadAsync(HttpRequest request, int maxBytes, IntakeCapacity capacity, CancellationToken cancellationToken)
    {
        var body = new RequestBody(capacity);
        if (request.ContentLength > maxBytes)
            return body.End(BodyOutcome.TooLarge);
        try
        {
            while (true)
            {
                if (body._buffer is null || body.Length == body._usable)
                {
                    // Room for one byte past the limit, so that a body of exactly the limit reads to its end.
                    var wanted = body._buffer is null ? FirstBuffer : body._usable * 2;
                    if (!body.Grow(Math.Min(wanted, maxBytes + 1)))
                        return body.End(BodyOutcome.Busy);
                }
                var read = await request.Body.ReadAsync(body._buffer!.AsMemory(body.Length, body._usable - body.Length), cancellationToken);
                if (read == 0)
                    return body.End(BodyOutcome.Read);
                body.Length += read;
                if (body.Length > maxBytes)
                    return body.End(BodyOutcome.TooLarge);
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return body.End(BodyOutcome.TooLarge);
        }
        catch (BadHttpRequestException)
        {
            return body.End(BodyOutcome.Incomplete);
        }
    }

    bool Grow(int size)
    {
        var more = size - _usable;
        if (!_capacity.TryReserveBytes(more))
            return false;
        _reserved += more;
        var bigger = ArrayPool<byte>.Shared.Rent(size);
        if (_buffer is not null)
        {
            _buffer.AsSpan(0, Length).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_buffer);
        }
        // The pool may hand out a larger array than asked: only what was reserved is used.
        _buffer = bigger;
        _usable = size;
        return true;
    }

    RequestBody End(BodyOutcome outcome)
    {
        Outcome = outcome;
        if (outcome != BodyOutcome.Read)
            Dispose();
        return this;
    }

    public void Dispose()
    {
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }
        if (_reserved > 0)
        {
            _capacity.ReleaseBytes(_reserved);
            _reserved = 0;
        }
    }
}
