using Dilemma.Grains.Embedded;
using Dilemma.Grains.Interfaces.Diagnostics;
using Dilemma.Grains.Rooms;
using Microsoft.Extensions.Options;

namespace Dilemma.Grains.Diagnostics;

public sealed class InMemoryStorageProbe(IOptions<EmbeddedOptions> options, IOptions<RoomOptions> rooms) : IStorageProbe
{
    public Task<DependencyReport> CheckAsync(CancellationToken cancellationToken) =>
        Task.FromResult(new DependencyReport(
            "storage",
            true,
            false,
            $"In-memory storage (embedded mode): data is lost when the process stops; it keeps at most {options.Value.MaxFinishedGames} finished games (Embedded:MaxFinishedGames), counting as finished a game nobody has played for {rooms.Value.AbandonedAfterSeconds} s (Rooms:AbandonedAfterSeconds); older ones are dropped. Beyond {options.Value.MaxGuests} guests (Embedded:MaxGuests), those in no kept room and not signed in for an access token's lifetime are forgotten, least recently signed in first."));
}
