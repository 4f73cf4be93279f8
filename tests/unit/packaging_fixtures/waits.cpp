// Built with GCC 12, condition_variable::wait binds to GLIBCXX_3.4.30, newer than Amazon Linux 2023's libstdc++.
#include <condition_variable>
#include <mutex>
std::mutex m;
std::condition_variable cv;
bool ready = false;
extern "C" void wait_ready() {
    std::unique_lock<std::mutex> lock(m);
    cv.wait(lock, [] { return ready; });
}
