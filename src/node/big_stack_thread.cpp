#include "node/big_stack_thread.hpp"

#include "core/assert.hpp"

#include <pthread.h>

#include <exception>
#include <utility>

namespace tern::node {

BigStackThread::BigStackThread(std::function<void()> fn, size_t stack_bytes)
{
    auto* arg = new std::function<void()>(std::move(fn));
    pthread_attr_t attr;
    TERN_ASSERT(pthread_attr_init(&attr) == 0);
    pthread_attr_setstacksize(&attr, stack_bytes);
    pthread_t thread;
    const int rc = pthread_create(
        &thread, &attr,
        [](void* p) -> void* {
            std::unique_ptr<std::function<void()>> f{static_cast<std::function<void()>*>(p)};
            (*f)();
            return nullptr;
        },
        arg);
    pthread_attr_destroy(&attr);
    if (rc != 0)
    {
        delete arg;
        TERN_ASSERT(rc == 0);
    }
    static_assert(sizeof(pthread_t) == sizeof(unsigned long));
    handle_ = static_cast<unsigned long>(thread);
    started_ = true;
}

BigStackThread::~BigStackThread()
{
    join();
}

BigStackThread::BigStackThread(BigStackThread&& other) noexcept
    : handle_(other.handle_), started_(std::exchange(other.started_, false))
{}

BigStackThread& BigStackThread::operator=(BigStackThread&& other) noexcept
{
    if (this != &other)
    {
        join();
        handle_ = other.handle_;
        started_ = std::exchange(other.started_, false);
    }
    return *this;
}

void BigStackThread::join()
{
    if (!started_)
        return;
    pthread_join(static_cast<pthread_t>(handle_), nullptr);
    started_ = false;
}

void run_with_big_stack(const std::function<void()>& fn, size_t stack_bytes)
{
    std::exception_ptr error;
    BigStackThread t{[&fn, &error] {
                         try
                         {
                             fn();
                         }
                         catch (...)
                         {
                             error = std::current_exception();
                         }
                     },
                     stack_bytes};
    t.join();
    if (error)
        std::rethrow_exception(error);
}

}  // namespace tern::node
