using System.Runtime.CompilerServices;
using Dilemma.Grains.Research;

namespace Dilemma.Tests.Research;

/// <summary>The export's read-ahead: it reads while its reader is busy, never more than its capacity ahead, and hands failures and stops through.</summary>
public sealed class ReadAheadTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task While_the_reader_holds_an_item_the_source_is_read_up_to_the_capacity_ahead_and_no_further()
    {
        const int capacity = 4;
        var source = new CountingSource();
        await using var reader = source.ReadAsync(int.MaxValue, cancellationToken: Ct).ReadAheadAsync(capacity, Ct).GetAsyncEnumerator(Ct);

        Assert.True(await reader.MoveNextAsync());
        Assert.Equal(0, reader.Current);

        // The channel fills with `capacity` items and one more waits to be written into it.
        await WaitUntilAsync(() => source.Yielded >= capacity + 2);
        Assert.Equal(capacity + 2, source.Yielded);

        for (var expected = 1; expected <= 10; expected++)
        {
            Assert.True(await reader.MoveNextAsync());
            Assert.Equal(expected, reader.Current);
        }
    }

    [Fact]
    public async Task A_failing_source_hands_over_the_items_before_the_failure_and_then_the_same_exception()
    {
        var source = new CountingSource();
        var items = new List<int>();
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await foreach (var item in source.ReadAsync(3, failAtEnd: true, cancellationToken: Ct).ReadAheadAsync(8, Ct))
            {
                items.Add(item);
            }
        });

        Assert.Equal([0, 1, 2], items);
        Assert.Equal(CountingSource.Failure, failure.Message);
    }

    [Fact]
    public async Task A_reader_that_stops_early_leaves_the_source_disposed_when_its_enumeration_ends()
    {
        var source = new CountingSource();
        await foreach (var item in source.ReadAsync(int.MaxValue, cancellationToken: Ct).ReadAheadAsync(2, Ct))
        {
            if (item == 1)
            {
                break;
            }
        }

        Assert.True(source.Disposed);
    }

    [Fact]
    public async Task Cancelling_the_reader_cancels_the_source_and_disposes_it()
    {
        var source = new CountingSource();
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var item in source.ReadAsync(int.MaxValue, waitAfter: 2, cancellationToken: Ct).ReadAheadAsync(4, cancel.Token))
            {
                if (item == 1)
                {
                    await cancel.CancelAsync();
                }
            }
        });

        Assert.True(source.Disposed);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The condition did not hold within 10 s.");
            await Task.Delay(10, Ct);
        }
    }

    private sealed class CountingSource
    {
        public const string Failure = "the source failed";

        private int _yielded;

        public int Yielded => Volatile.Read(ref _yielded);

        public bool Disposed { get; private set; }

        /// <summary>Yields 0, 1, 2 … (<paramref name="count"/> items); after <paramref name="waitAfter"/> items it waits until cancelled.</summary>
        public async IAsyncEnumerable<int> ReadAsync(int count, bool failAtEnd = false, int waitAfter = int.MaxValue, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            try
            {
                for (var i = 0; i < count; i++)
                {
                    if (i == waitAfter)
                    {
                        await Task.Delay(Timeout.Infinite, cancellationToken);
                    }

                    await Task.Yield();
                    Interlocked.Increment(ref _yielded);
                    yield return i;
                }

                if (failAtEnd)
                {
                    throw new InvalidOperationException(Failure);
                }
            }
            finally
            {
                Disposed = true;
            }
        }
    }
}
