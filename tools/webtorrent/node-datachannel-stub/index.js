// Stand-in for node-datachannel: webtorrent needs WebRTC only for browser
// peers, which Swarmtone's tests never use. Using any of it fails clearly.
class Unavailable {
  constructor () { throw new Error('WebRTC is unavailable: node-datachannel is stubbed for offline installs') }
}
export const PeerConnection = Unavailable
export const RtcpReceivingSession = Unavailable
export const Video = Unavailable
export const Audio = Unavailable
export function cleanup () {}
export default { PeerConnection, RtcpReceivingSession, Video, Audio, cleanup }
