using System.Reflection;
using Dilemma.Grains.Accounts;
using Dilemma.Grains.Rooms;
using Orleans.Concurrency;

namespace Dilemma.Tests.Architecture;

/// <summary>
/// A stateless worker keeps nothing between calls, so none may hold a call while it waits: Orleans runs a few
/// of each per silo (one per core), and one that is not reentrant queues every other caller behind whatever it
/// awaits, the database or another grain. Room openings through the lobby waited 4 s at the median that way at
/// 1,000 tables, while every other request took 20 ms (`docs/benchmarks.md`, Game).
/// </summary>
public sealed class StatelessWorkerTests
{
    [Fact]
    public void Every_stateless_worker_grain_takes_the_next_call_while_one_waits()
    {
        var workers = typeof(RoomLobbyGrain).Assembly.GetTypes()
            .Where(type => type.GetCustomAttribute<StatelessWorkerAttribute>() is not null)
            .ToList();

        Assert.Contains(typeof(RoomLobbyGrain), workers);
        Assert.Contains(typeof(AccountsGrain), workers);
        var holding = workers.Where(type => type.GetCustomAttribute<ReentrantAttribute>() is null).Select(type => type.FullName).ToList();
        Assert.True(holding.Count == 0, "Stateless workers that hold a call while it waits (mark them [Reentrant]): " + string.Join(", ", holding));
    }
}
