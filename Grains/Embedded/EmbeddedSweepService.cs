using Dilemma.Grains.Accounts;
using Dilemma.Grains.Interfaces.Rooms;
using Dilemma.Grains.Research;
using Dilemma.Grains.Rooms;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dilemma.Grains.Embedded;

/// <summary>
/// Keeps embedded mode's memory bounded. Every <c>Embedded:SweepSeconds</c> it drops the refresh tokens
/// of sign-ins that have wholly expired, the ended rooms beyond <c>Embedded:MaxFinishedGames</c>,
/// oldest first (each room clears its own state, then its research rows and facilitator actions go),
/// counting as ended a game left unfinished for <c>Rooms:AbandonedAfterSeconds</c> (else every class that
/// walks away mid-game would be kept for good, with its players, whom the guest bound then cannot forget),
/// and then the guests beyond <c>Embedded:MaxGuests</c> who sit in no room kept and hold no working access token.
/// Idle grains are Orleans' to collect (<c>Grains:CollectionAgeSeconds</c>). Cluster mode keeps
/// everything in MariaDB, where retention decides.
/// </summary>
public sealed partial class EmbeddedSweepService(
    IGrainFactory grains,
    InMemoryAccountStore accounts,
    InMemoryResearchStore research,
    IdleHeapCompaction compaction,
    IOptions<EmbeddedOptions> options,
    IOptions<AccountOptions> accountOptions,
    IOptions<RoomOptions> roomOptions,
    TimeProvider time,
    ILogger<EmbeddedSweepService> logger) : BackgroundService
{
    private const int RoomsAtOnce = 16;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SweepPeriod, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var swept = await SweepAsync(stoppingToken);
                if (swept.RefreshTokens > 0 || swept.Rooms > 0 || swept.Guests > 0)
                {
                    LogSwept(logger, swept.RefreshTokens, swept.Rooms, swept.Rows, options.Value.MaxFinishedGames, swept.Guests, options.Value.MaxGuests);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The silo may still be starting or already stopping; the next tick tries again.
                LogSweepFailed(logger, e);
            }
        }
    }

    /// <summary>One sweep; answers what it dropped.</summary>
    public async Task<EmbeddedSweep> SweepAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var tokens = accounts.DropExpiredRefreshTokens(now);
        var forgotten = new List<string>();
        foreach (var batch in research.EndedRoomsBeyond(options.Value.MaxFinishedGames, now - roomOptions.Value.AbandonedAfter).Chunk(RoomsAtOnce))
        {
            var answers = await Task.WhenAll(batch.Select(code => grains.GetGrain<IRoomGame>(code).ForgetAsync(cancellationToken)));
            forgotten.AddRange(batch.Where((_, i) => answers[i]));
        }

        // Only rooms whose state is gone lose their rows: a room that could not forget keeps both, for the next sweep.
        // (The research store drops the rooms' facilitator actions with the rest, as retention does.)
        var rows = research.DropRooms(forgotten);

        // After the rooms, so the guests of a room just dropped may go in the same sweep; below the bound, who sits
        // where and who signed in when is not worth gathering.
        var guests = accounts.CountUsers().Guests > options.Value.MaxGuests
            ? accounts.ForgetGuestsBeyond(options.Value.MaxGuests, research.SeatedUsers(), now - accountOptions.Value.AccessTokenLifetime)
            : 0;
        if (forgotten.Count > 0 || guests > 0)
        {
            compaction.Released();
        }

        return new EmbeddedSweep(tokens, forgotten.Count, rows, guests);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Embedded sweep: dropped {RefreshTokens} expired refresh tokens, {Rooms} ended rooms beyond the newest {Kept} ({Rows} rows) and {Guests} guests beyond {KeptGuests}.")]
    private static partial void LogSwept(ILogger logger, int refreshTokens, int rooms, long rows, int kept, int guests, int keptGuests);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The embedded sweep failed; it runs again at the next period.")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}

/// <summary>What one sweep dropped: refresh tokens, ended rooms, the rows of those rooms, and guests.</summary>
public sealed record EmbeddedSweep(int RefreshTokens, int Rooms, long Rows, int Guests);
