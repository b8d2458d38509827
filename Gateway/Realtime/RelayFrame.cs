using System.Buffers;
using System.Text.Json;
using Dilemma.Grains.Interfaces.Realtime;

namespace Dilemma.Gateway.Realtime;

/// <summary>
/// Writes a relayed message as its frame, <c>{"type":…,"from":…,"seq":…,"sdp"|"candidate":…}</c>,
/// once, into a pooled buffer that the socket's send loop returns after sending: the relay's
/// busiest path allocates no buffer and no writer per message. The payload is copied as the raw
/// UTF-8 the sender sent.
/// </summary>
public static class RelayFrame
{
    // One writer and scratch buffer per thread, reused: observer calls arrive on many threads at once.
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_scratch;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    /// <summary>The frame in an array rented from <see cref="ArrayPool{T}.Shared"/>; the caller returns it.</summary>
    public static (byte[] Rented, int Length) Write(SignalEnvelope envelope, long seq)
    {
        var scratch = t_scratch ??= new ArrayBufferWriter<byte>(1024);
        scratch.ResetWrittenCount();
        var writer = t_writer ??= new Utf8JsonWriter(scratch);
        writer.Reset(scratch);
        writer.WriteStartObject();
        writer.WriteString("type"u8, envelope.Type);
        writer.WriteNumber("from"u8, envelope.From);
        writer.WriteNumber("seq"u8, seq);
        writer.WritePropertyName(envelope.PayloadField);
        writer.WriteRawValue(envelope.Payload, skipInputValidation: true);
        writer.WriteEndObject();
        writer.Flush();

        var length = scratch.WrittenCount;
        var rented = ArrayPool<byte>.Shared.Rent(length);
        scratch.WrittenSpan.CopyTo(rented);
        return (rented, length);
    }
}
