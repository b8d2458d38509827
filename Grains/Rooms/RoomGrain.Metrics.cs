using Dilemma.Grains.Interfaces.Rooms;

namespace Dilemma.Grains.Rooms;

/// <summary>The room's part in <c>dilemma.rooms.active</c>: which phase this activation is counted in.</summary>
public sealed partial class RoomGrain
{
    private RoomPhase? _countedPhase;

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_countedPhase is { } phase)
        {
            metrics.RoomDeactivated(phase);
            _countedPhase = null;
        }

        return Task.CompletedTask;
    }

    /// <summary>Counts the room in its phase once it exists, and moves it when the phase changed.</summary>
    private void CountPhase()
    {
        if (!State.Created)
        {
            return;
        }

        if (_countedPhase is not { } before)
        {
            metrics.RoomActivated(State.Phase);
        }
        else if (before != State.Phase)
        {
            metrics.RoomMoved(before, State.Phase);
        }

        _countedPhase = State.Phase;
    }
}
