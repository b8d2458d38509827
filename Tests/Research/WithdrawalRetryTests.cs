using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Dilemma.Grains.Interfaces.Rooms;
using Dilemma.Grains.Research;
using Dilemma.Tests.Accounts;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Rooms;
using Microsoft.Extensions.DependencyInjection;

namespace Dilemma.Tests.Research;

/// <summary>
/// A withdrawal reaches the rows and the finished rooms' own state. When a room does not answer, the client is told
/// to retry, and the retry finishes the job: the rooms forget before the rows go, so the retry still finds them. (Rows
/// first, the retry found no rows, no rooms, answered 0 rows erased, and the room kept the nickname and choices.)
/// </summary>
public sealed class WithdrawalRetryTests : IAsyncDisposable
{
    private readonly FailingForget _failing = new();
    private readonly GatewayFactory _gateway;
    private readonly HttpClient _http;

    public WithdrawalRetryTests()
    {
        _gateway = new GatewayFactory(services: s => s.AddSingleton<IIncomingGrainCallFilter>(_failing));
        _http = _gateway.CreateClient();
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_withdrawal_whose_room_did_not_answer_is_finished_by_its_retry()
    {
        var (players, code) = await RoomKit.SeatedRoomAsync(_http, Ct);
        foreach (var player in players)
        {
            await ResearchKit.ConsentAsync(player, data: true, Ct);
        }

        await HttpAssert.OkAsync<JsonElement>(await players[0].PostAsync($"/rooms/{code}/start", null, Ct));
        for (var round = 1; round <= 5; round++)
        {
            await RoomKit.PlayRoundAsync(players, code, round, Ct);
        }

        var leaving = players[1];
        var store = _gateway.Services.GetRequiredService<InMemoryResearchStore>();
        var held = store.RowsOf(leaving.UserId).Rows;
        _failing.FailNext(code);

        await HttpAssert.ProblemAsync(await WithdrawAsync(leaving), HttpStatusCode.ServiceUnavailable, "outcome_unknown");
        var erasure = await HttpAssert.OkAsync<JsonElement>(await WithdrawAsync(leaving));

        Assert.Equal(held, erasure.GetProperty("rows_erased").GetInt64());
        Assert.Equal((0L, 0L), store.RowsOf(leaving.UserId));
        var view = await HttpAssert.OkAsync<JsonElement>(await players[0].GetAsync($"/rooms/{code}", Ct));
        var seat = Assert.Single(view.GetProperty("participants").EnumerateArray(), p => p.GetProperty("user_id").GetInt64() == leaving.UserId);
        Assert.Equal(string.Empty, seat.GetProperty("nickname").GetString());
    }

    private Task<HttpResponseMessage> WithdrawAsync(Player player) =>
        _http.SendAsync(AuthClient.Authorized(HttpMethod.Delete, "/auth/me/research-data", player.Tokens.AccessToken), Ct);

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _gateway.DisposeAsync();
    }

    /// <summary>Fails the next <see cref="IRoomGame.ForgetWithdrawnAsync"/> a room is asked, as a silo that did not answer in time.</summary>
    private sealed class FailingForget : IIncomingGrainCallFilter
    {
        private readonly ConcurrentDictionary<string, bool> _armed = new();

        public void FailNext(string code) => _armed[code] = true;

        public Task Invoke(IIncomingGrainCallContext context) =>
            context.InterfaceMethod?.Name == nameof(IRoomGame.ForgetWithdrawnAsync) && _armed.TryRemove(context.TargetId.Key.ToString()!, out _)
                ? throw new TimeoutException("The room did not answer in time (a test's failure).")
                : context.Invoke();
    }
}
