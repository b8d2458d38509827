using Dilemma.Grains.Interfaces.Errors;
using Dilemma.Grains.Interfaces.Rooms;
using Dilemma.Tests.Hosting;

namespace Dilemma.Tests.Rooms;

/// <summary>The room's rules straight at the grain, on a two-silo test cluster, under concurrent calls.</summary>
public sealed class RoomGrainTests(GrainClusterFixture cluster) : IClassFixture<GrainClusterFixture>
{
    private static long _nextUser = 1_000_000;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Ten_concurrent_joins_seat_exactly_three()
    {
        var (room, _) = await NewRoomAsync();

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 10).Select(async _ =>
        {
            try
            {
                await room.JoinAsync(NextUser(), "joiner", Ct);
                return "joined";
            }
            catch (RuleViolationException e)
            {
                return e.Code;
            }
        }));

        Assert.Equal(2, outcomes.Count(o => o == "joined"));
        Assert.All(outcomes.Where(o => o != "joined"), o => Assert.Equal("room_full", o));
        Assert.Equal(3, (await room.GetAsync(Ct)).Participants.Count);
    }

    [Fact]
    public async Task Concurrent_choices_and_consensus_keep_one_consensus_per_round()
    {
        var (room, host) = await NewRoomAsync();
        var others = new[] { NextUser(), NextUser() };
        foreach (var user in others)
        {
            await room.JoinAsync(user, "p", Ct);
        }

        await room.AssignRolesAsync(host, null, Ct);
        await room.StartAsync(host, Ct);
        var everyone = others.Prepend(host).ToArray();
        await Task.WhenAll(everyone.Select(u => room.SubmitChoiceAsync(u, new ChoiceSubmission(1, 0, 3, null), Ct)));

        var attempts = await Task.WhenAll(everyone.Select(async u =>
        {
            try
            {
                await room.SubmitConsensusAsync(u, new ChoiceSubmission(1, 1, 4, null), Ct);
                return true;
            }
            catch (RuleViolationException e) when (e.Code == "consensus_exists")
            {
                return false;
            }
        }));

        Assert.Single(attempts, a => a);
        var snapshot = await room.GetAsync(Ct);
        Assert.Equal(2, snapshot.CurrentRound);
        Assert.Single(snapshot.Consensus);
    }

    [Fact]
    public async Task Roles_are_held_exactly_once_after_any_assignment()
    {
        var (room, host) = await NewRoomAsync();
        await room.JoinAsync(NextUser(), "a", Ct);
        await room.JoinAsync(NextUser(), "b", Ct);

        for (var i = 0; i < 5; i++)
        {
            var snapshot = await room.AssignRolesAsync(host, null, Ct);
            Assert.Equal([1, 2, 3], snapshot.Participants.Select(p => p.RoleId!.Value).Order().ToArray());
        }
    }

    [Fact]
    public async Task A_code_that_was_never_opened_is_not_found()
    {
        var room = cluster.Grains.GetGrain<IRoomGrain>(Random.Shared.Next(0, 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture) + "x");

        var error = await Assert.ThrowsAsync<RuleViolationException>(() => room.GetAsync(Ct));

        Assert.Equal("room_not_found", error.Code);
        Assert.Equal(RuleViolationKind.NotFound, error.Kind);
    }

    private static long NextUser() => Interlocked.Increment(ref _nextUser);

    private async Task<(IRoomGrain Room, long Host)> NewRoomAsync()
    {
        var host = NextUser();
        var snapshot = await cluster.Grains.GetGrain<IRoomLobbyGrain>(0).CreateRoomAsync(new RoomCreation("grain test", RoomKit.Topic, IsPublic: false, host, "host"), Ct);
        return (cluster.Grains.GetGrain<IRoomGrain>(snapshot.Code), host);
    }
}
