import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One long HTTP response read as it arrives (an event stream, a followed log): each chunk of a 200 reply
/// goes to `onChunk` on URLSession's queue, one chunk at a time.
final class StreamingRequest: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    /// How the response ended.
    enum Outcome {
        /// The server ended it cleanly.
        case ended
        /// The server answered with an error status instead: the status and body.
        case reply(Int, Data)
        /// The connection failed or dropped.
        case failed(any Error)
    }

    private let onChunk: (Data) -> Void
    private let done = DispatchSemaphore(value: 0)
    private var status = 0
    private var errorBody = Data()
    private var outcome: Outcome = .ended

    init(onChunk: @escaping (Data) -> Void) {
        self.onChunk = onChunk
    }

    /// Sends the request and blocks until the response has ended.
    func run(_ request: URLRequest) -> Outcome {
        let session = URLSession(configuration: .default, delegate: self, delegateQueue: nil)
        session.dataTask(with: request).resume()
        done.wait()
        session.finishTasksAndInvalidate()
        return outcome
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        status = (response as? HTTPURLResponse)?.statusCode ?? 0
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        if status == 200 { onChunk(data) } else { errorBody.append(data) }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        if let error {
            outcome = .failed(error)
        } else if status != 200 {
            outcome = .reply(status, errorBody)
        }
        done.signal()
    }
}
