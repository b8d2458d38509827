namespace Dilemma.Grains.Embedded;

/// <summary>
/// Large payloads held once however many states hold the same bytes, and let go with their last holder.
/// Only payloads of <see cref="SharedFromBytes"/> or more are compared: below that a state is one grain's
/// own (a room's live state is 1–5 KB and rewritten with every choice), while the large ones seen are
/// snapshots many grains take of the same thing (a room's copy of its scenario, ~20 KB). Not thread-safe:
/// its owner calls it under its own lock.
/// </summary>
internal sealed class SharedPayloads
{
    public const int SharedFromBytes = 8 * 1024;

    private readonly HashSet<Payload> _held = new(ByContent.Instance);

    /// <summary>Whether a payload with this content is held.</summary>
    public bool Holds(Payload candidate) => candidate.Shareable && _held.Contains(candidate);

    /// <summary>A payload ready to be held: its content hashed if it is large enough to share (done outside any lock).</summary>
    public static Payload Candidate(ReadOnlyMemory<byte> bytes)
    {
        if (bytes.Length < SharedFromBytes)
        {
            return new Payload(bytes, contentHash: 0);
        }

        var hash = new HashCode();
        hash.AddBytes(bytes.Span);
        return new Payload(bytes, hash.ToHashCode());
    }

    /// <summary>The payload to keep for a new holder of these bytes: one already held with the same content, or this one.</summary>
    public Payload Hold(Payload candidate)
    {
        if (!candidate.Shareable)
        {
            return candidate;
        }

        if (!_held.TryGetValue(candidate, out var held))
        {
            held = candidate;
            _held.Add(held);
        }

        held.Holders++;
        return held;
    }

    /// <summary>One holder lets go; the last one's release drops the bytes.</summary>
    public void Release(Payload? payload)
    {
        if (payload is { Shareable: true } && --payload.Holders == 0)
        {
            _held.Remove(payload);
        }
    }

    internal sealed class Payload(ReadOnlyMemory<byte> bytes, int contentHash)
    {
        public ReadOnlyMemory<byte> Bytes => bytes;

        public int ContentHash => contentHash;

        public bool Shareable => bytes.Length >= SharedFromBytes;

        public int Holders { get; set; }
    }

    private sealed class ByContent : IEqualityComparer<Payload>
    {
        public static readonly ByContent Instance = new();

        public bool Equals(Payload? x, Payload? y) =>
            ReferenceEquals(x, y) || (x is not null && y is not null && x.ContentHash == y.ContentHash && x.Bytes.Span.SequenceEqual(y.Bytes.Span));

        public int GetHashCode(Payload payload) => payload.ContentHash;
    }
}
