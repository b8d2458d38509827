using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Dilemma.Grains.Research;

/// <summary>
/// Runs an async sequence ahead of its reader by up to a fixed number of items. Orleans advances a grain's
/// <see cref="IAsyncEnumerable{T}"/> only inside a caller's call, so without this the export read no row while
/// the gateway wrote the last chunk it was handed, and the gateway waited for every chunk's read: the two took
/// turns. With it, the silo keeps reading while the gateway writes, and a call finds its chunks ready.
/// </summary>
public static class ReadAhead
{
    /// <summary>
    /// The items of <paramref name="source"/>, in order, read by a producer that stays at most <paramref name="capacity"/>
    /// items ahead. The producer runs where this is enumerated (in a grain, on its scheduler). A failure of the source
    /// reaches the reader as the same exception, once the items read before it are taken. Stopping the enumeration
    /// cancels the producer and waits for it, so the source is disposed (and its query stopped) before this returns.
    /// </summary>
    public static async IAsyncEnumerable<T> ReadAheadAsync<T>(this IAsyncEnumerable<T> source, int capacity, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        var channel = Channel.CreateBounded<T>(new BoundedChannelOptions(capacity) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var producer = ProduceAsync(source, channel.Writer, stop.Token);
        try
        {
            while (await channel.Reader.WaitToReadAsync(cancellationToken))
            {
                while (channel.Reader.TryRead(out var item))
                {
                    yield return item;
                }
            }
        }
        finally
        {
            await stop.CancelAsync();
            await producer;
        }
    }

    private static async Task ProduceAsync<T>(IAsyncEnumerable<T> source, ChannelWriter<T> writer, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var item in source.WithCancellation(cancellationToken))
            {
                await writer.WriteAsync(item, cancellationToken);
            }

            writer.TryComplete();
        }
        catch (Exception e)
        {
            // Handed to the reader, which rethrows it; a producer stopped by the reader has no reader left to tell.
            writer.TryComplete(e);
        }
    }
}
