using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Webhook.Providers.Parsing;

/// <summary>
/// Event ids derived from what the provider sends, so that the provider's retry of a webhook yields the same ids
/// and the Processor can recognise the duplicates. Name-based UUIDs: the first 128 bits of SHA-256 over a namespace of our own and the name, marked
/// as RFC 9562 version 8 (the version 5 layout, with SHA-256 in place of SHA-1).
/// </summary>
public static class EventIds
{
    static readonly Guid Namespace = new("6f1c2d4e-8a57-4b0e-9d3a-2f5e7c1b9a60");

    /// <summary>The id of the event at <paramref name="index"/> of the delivery <paramref name="deliveryId"/>.</summary>
    public static Guid FromDelivery(string provider, string deliveryId, int index) =>
        Create($"{provider}\n{deliveryId}\n{index}");

    /// <summary>
    /// The id of an event known by what it says rather than by the delivery it came in, for providers whose own
    /// event ids cannot be trusted to survive their retries. Each part is prefixed with its length, so no two
    /// different lists of parts make the same name; a missing part counts as empty.
    /// </summary>
    public static Guid FromContent(string provider, params ReadOnlySpan<string?> parts)
    {
        var name = new StringBuilder(provider);
        foreach (var part in parts)
            name.Append('\n').Append(part?.Length ?? 0).Append(':').Append(part);
        return Create(name.ToString());
    }

    /// <summary>The UUID of <paramref name="name"/> in this product's namespace.</summary>
    public static Guid Create(string name)
    {
        var size = 16 + Encoding.UTF8.GetMaxByteCount(name.Length);
        Span<byte> input = size <= 1024 ? stackalloc byte[size] : new byte[size];
        Namespace.TryWriteBytes(input, bigEndian: true, out _);
        var length = 16 + Encoding.UTF8.GetBytes(name, input[16..]);

        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(input[..length], hash);

        hash[6] = (byte)((hash[6] & 0x0F) | 0x80); // version 8
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80); // RFC 9562 variant
        return new Guid(hash[..16], bigEndian: true);
    }
}
