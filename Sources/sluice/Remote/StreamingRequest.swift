import Foundation

/// One long HTTP response read as it arrives (an event stream, a followed log): each piece of a 200 reply's
/// body goes to `onChunk` as it is decoded, on the calling thread.
struct StreamingRequest {
    /// How the response ended.
    enum Outcome {
        /// The server ended it cleanly.
        case ended
        /// The server answered with an error status instead: the status and body.
        case reply(Int, Data)
        /// The connection failed or dropped.
        case failed(any Error)
    }

    let onChunk: (Data) -> Void

    init(onChunk: @escaping (Data) -> Void) {
        self.onChunk = onChunk
    }

    /// Sends the request and blocks until the response has ended.
    func run(_ request: RemoteRequest) -> Outcome {
        var errorBody = Data()
        do {
            let final = try HTTPExchange.perform(request) { status, bytes in
                if status == 200 { onChunk(bytes) } else { errorBody.append(bytes) }
            }
            return final == 200 ? .ended : .reply(final, errorBody)
        } catch {
            return .failed(error)
        }
    }
}
